"""The deploy tool (`scc deploy ...`): outside `server/`, never shipped in the Lambda zip.

Two CloudFormation stacks from `infra/template.yaml`, one per stage (`scc-staging`,
`scc-prod`), each with its own tables, Lambda function (alias named after the stage),
static bucket and CloudFront distribution. One module per job:

- `build`: the Lambda zip and the content-hashed static assets; `release`: the manifest
  that describes them and every later command reads back.
- `stacks`: each stage's resources, from its stack's outputs.
- `environment`: the function's variables merged with a deploy's, refused if incomplete.
- `steps`: the single AWS steps; `stages`: staging, promote and rollback put them in order.
- `smoke`: the smoke test every deploy ends with.
- `versions`: the alias's rollback record, and pruning old versions after a promote.
- `status`: what each stage runs, its settings hash and the template's drift.
- `cli`: the `scc deploy` commands.
"""
