"""Sreda: the digital educational environment of a school, a district, a region."""
