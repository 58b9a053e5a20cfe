"""Layer 1, core: what every other layer shares and nothing in it depends on another layer - the model's
output contract, located problems, statistics, named random streams, atomic files and Ctrl-C handling."""
