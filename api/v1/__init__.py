"""Version 1 of Clusterflow's REST API (docs/api.md): each route reads through the pages' access rules."""
