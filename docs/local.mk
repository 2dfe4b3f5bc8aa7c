# SPDX-License-Identifier: LGPL-2.1-or-later
dist_man_MANS += docs/sandboxd.policy.5
dist_man_MANS += docs/sandboxctl.1 docs/libsandbox-client.3
dist_man_MANS += docs/sandboxd.8 docs/sandboxd.conf.5
dist_man_MANS += docs/org.sandboxd.Sandbox1.5
EXTRA_DIST += docs/ARCHITECTURE.md
