"""Reports: metric events and history read in one batch (`history`), the sprint calendar (`sprints`)."""
