"""Code shared by the handlers of this deployment package."""
