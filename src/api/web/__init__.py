"""The web view: server-rendered pages over the API's own queries, assets served by the app."""
