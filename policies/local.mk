# SPDX-License-Identifier: LGPL-2.1-or-later
dist_policies_DATA += \
	policies/build.policy \
	policies/convert.policy \
	policies/default.policy \
	policies/office.policy \
	policies/strict.policy
