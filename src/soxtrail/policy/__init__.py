"""Policy as code: the Rego control library, the engines that evaluate it, and the contract
between them and the services (docs/policy-contract.md).
"""
