#!/usr/bin/env bash
# test/demo.sh: the tour that `make demo` shows on the throwaway cluster the
# harness started.  Each capability has its own screen in test/demo.d/,
# run in name order.
set -euo pipefail
for part in "$LG_ROOT"/test/demo.d/*.sh; do
	bash "$part"
done
