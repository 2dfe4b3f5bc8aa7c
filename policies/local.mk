# SPDX-License-Identifier: LGPL-2.1-or-later
dist_policies_DATA += \
	policies/convert.policy \
	policies/default.policy \
	policies/strict.policy
