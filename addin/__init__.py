"""The xlwings ribbon add-in: turns Excel into HTTP calls to the service and back."""
