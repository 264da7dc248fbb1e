"""The Theory page: parameter counts and the book's source."""
