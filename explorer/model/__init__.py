"""The "Your model" page: a weight file analysed on chosen inputs, and its readings."""
