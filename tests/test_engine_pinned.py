"""Closed-form checks of the engine (autograd/engine.py): the exact numbers, node
layouts and error messages of Value, backward, grad and the graph walks."""
