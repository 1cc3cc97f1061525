"""The web console for cadres: static pages served by the gateway at /console/."""
