"""ragtune: RAG, fine-tuning or both, measured on your own documents."""
__version__ = "0.1.0"
