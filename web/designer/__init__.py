"""The process designer's pages: the list of models, a new model, the editor and its form preview."""
