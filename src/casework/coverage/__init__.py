"""Programme coverage: who a target is for, who of them was served, and who is still waiting."""
