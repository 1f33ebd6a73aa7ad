"""planround's service: domain logic, the Flask API and the command line."""
