"""Entry prose shared by the segment and API tests (original text, written for the tests)."""

LEAD = (
    "Serotonin tone is the steady background level of serotonin signalling in the brain, "
    "which shapes mood, sleep and appetite over the course of a day."
)
ORIGIN = (
    "The phrase comes from pharmacology papers of the 1960s that compared resting and "
    "stimulated release of the transmitter in animal tissue."
)
