"""Pure rules of the business: no Starlette, no boto3 (a test blocks both)."""
