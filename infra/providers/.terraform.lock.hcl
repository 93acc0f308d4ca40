# The provider dependency lock file of tslab's AWS stacks: the providers infra/providers/versions.tf.json lists, with
# checksums for linux_amd64, linux_arm64 and darwin_arm64 (registry.terraform.io for terraform, and
# registry.opentofu.org for tofu when the refresh ran with tofu on PATH). Before each init, tslab writes into every
# stack the entries of the providers it requires and runs init -lockfile=readonly (docs/supply-chain.md).
#
# Produced by scripts/lock-providers.sh (terraform providers lock), which the workflow
# .github/workflows/refresh-pins.yml runs before opening a pull request; never edited by hand.
#
# No provider is locked yet: until the refresh has run once, AWS runs stop before any cloud call and say how to
# produce this file. The local target requires no provider and runs without it.
