"""Identity: people, departmental clients and third-party evaluators, and the tokens issued to them."""
