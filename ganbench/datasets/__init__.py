"""The built-in data sets: embedded ones (mixtures, digits) and readers of files a user has."""
