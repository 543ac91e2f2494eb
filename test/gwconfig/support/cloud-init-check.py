# Reads Incus instances' cloud-init with cloud-init itself (run with cloud-init on PYTHONPATH), in one
# process since each cloud-init start costs seconds. For every pair of arguments USER-DATA
# NETWORK-CONFIG it prints a JSON line: the user-data's verdict from the schema check that
# `cloud-init schema --config-file` runs, and the network-config (v2) as cloud-init's parser reads it,
# rendered as Debian /etc/network/interfaces text.
import json
import sys

import yaml
from cloudinit.config.schema import SchemaValidationError, get_schema, validate_cloudconfig_file
from cloudinit.net import eni
from cloudinit.net.network_state import parse_net_config_data

schema = get_schema()
args = sys.argv[1:]
for user_data, network_config in zip(args[::2], args[1::2]):
    try:
        validate_cloudconfig_file(user_data, schema)
        verdict = "valid"
    except SchemaValidationError as err:
        verdict = str(err)
    with open(network_config, encoding="utf-8") as f:
        state = parse_net_config_data(yaml.safe_load(f))
    print(json.dumps({"userData": verdict, "eni": eni.Renderer()._render_interfaces(state)}))
