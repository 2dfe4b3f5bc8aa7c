/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sandboxctl's output: the tables and key-value lines a person reads and
 * the JSON that --json prints (see sandboxctl-output.h).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "sandboxctl-output.h"

static const char *
format_bytes(char *buf, size_t size, uint64_t v)
{
	static const char units[] = "KMGTPE";
	double d = (double) v;
	size_t i = 0;

	if (v < 1024) {
		snprintf(buf, size, "%" PRIu64 "B", v);
		return buf;
	}
	d /= 1024.0;
	while (d >= 1024.0 && i + 1 < sizeof(units) - 1) {
		d /= 1024.0;
		i++;
	}
	snprintf(buf, size, "%.1f%c", d, units[i]);
	return buf;
}

static const char *
format_usec(char *buf, size_t size, uint64_t usec)
{
	uint64_t s = usec / 1000000u;

	if (s < 60)
		snprintf(buf, size, "%.2fs", (double) usec / 1e6);
	else if (s < 3600)
		snprintf(buf, size, "%" PRIu64 "min %02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, size, "%" PRIu64 "h %02" PRIu64 "min", s / 3600, (s / 60) % 60);
	return buf;
}

/* A limit value: 0 and UINT64_MAX both mean there is none. */
static const char *
format_limit(char *buf, size_t size, uint64_t v, const char *unit)
{
	if (v == 0 || v == UINT64_MAX)
		return "none";
	if (strcmp(unit, "bytes") == 0)
		return format_bytes(buf, size, v);
	if (strcmp(unit, "ms") == 0)
		return format_usec(buf, size, v * 1000u);
	snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

/*
 * Output of strings others chose: a target's argv, policy names and
 * descriptions, denial paths, the daemon's error text. They reach the
 * terminal only escaped (common/escape.h), so no control sequence in them
 * is obeyed by root's terminal.
 */

/* Prints s as a JSON string to f; controls as \u00XX, bytes that are not
 * UTF-8 as U+FFFD. */
static void
json_string_to(FILE *f, const char *s)
{
	fputc('"', f);
	(void) escape_fputs(s, ESCAPE_JSON, f);
	fputc('"', f);
}

static void
json_string(const char *s)
{
	json_string_to(stdout, s);
}

/* "label: s" on a line of its own, s escaped. */
static void
print_field(const char *label, const char *s)
{
	printf("%s: ", label);
	(void) escape_fputs(s, 0, stdout);
	putchar('\n');
}

/* s escaped, padded to width columns, then a space. */
static void
print_column(const char *s, size_t width)
{
	size_t cols = escape_columns(s, 0);

	(void) escape_fputs(s, 0, stdout);
	printf("%*s ", (int) (cols < width ? width - cols : 0), "");
}

/* The widest of the strings get(v[i]) for i < n once escaped, at least min. */
static size_t
column_width(size_t min, const char *(*get)(const sandbox_info *), sandbox_info **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = escape_columns(get(v[i]), 0);

		if (l > min)
			min = l;
	}
	return min;
}

static void
json_info(const sandbox_info *i, const char *indent)
{
	printf("%s{\n%s  \"id\": %" PRIu64 ",\n", indent, indent, sandbox_info_get_id(i));
	printf("%s  \"state\": ", indent);
	json_string(sandbox_info_get_state(i));
	printf(",\n%s  \"limit\": ", indent);
	json_string(sandbox_info_get_limit(i));
	printf(",\n%s  \"policy\": ", indent);
	json_string(sandbox_info_get_policy(i));
	printf(",\n%s  \"command\": ", indent);
	json_string(sandbox_info_get_command(i));
	printf(",\n%s  \"owner_uid\": %u,\n", indent, (unsigned) sandbox_info_get_owner_uid(i));
	printf("%s  \"owner_pid\": %d,\n", indent, (int) sandbox_info_get_owner_pid(i));
	printf("%s  \"pid\": %d,\n", indent, (int) sandbox_info_get_pid(i));
	printf("%s  \"uid\": %u,\n", indent, (unsigned) sandbox_info_get_uid(i));
	printf("%s  \"start_usec\": %" PRIu64 ",\n", indent, sandbox_info_get_start_usec(i));
	printf("%s  \"cpu_usec\": %" PRIu64 ",\n", indent, sandbox_info_get_cpu_usec(i));
	printf("%s  \"memory_current\": %" PRIu64 ",\n", indent,
	    sandbox_info_get_memory_current(i));
	printf("%s  \"memory_peak\": %" PRIu64 ",\n", indent, sandbox_info_get_memory_peak(i));
	printf("%s  \"tasks_current\": %" PRIu64 ",\n", indent,
	    sandbox_info_get_tasks_current(i));
	printf("%s  \"timeout_ms\": %" PRIu64 ",\n", indent, sandbox_info_get_timeout_ms(i));
	printf("%s  \"memory_max\": %" PRIu64 ",\n", indent, sandbox_info_get_memory_max(i));
	printf("%s  \"tasks_max\": %" PRIu64 ",\n", indent, sandbox_info_get_tasks_max(i));
	printf("%s  \"cpu_ms\": %" PRIu64 ",\n", indent, sandbox_info_get_cpu_ms(i));
	printf("%s  \"broker_requests\": %" PRIu64 ",\n", indent,
	    sandbox_info_get_broker_requests(i));
	printf("%s  \"broker_denied\": %" PRIu64 ",\n", indent, sandbox_info_get_broker_denied(i));
	printf("%s  \"last_denial\": ", indent);
	if (sandbox_info_get_last_denial(i))
		json_string(sandbox_info_get_last_denial(i));
	else
		fputs("null", stdout);
	printf(",\n%s  \"denials\": [", indent);
	for (size_t k = 0; k < sandbox_info_get_n_denials(i); k++) {
		const char *layer, *name;
		uint64_t count;
		int error, forbidden;

		name = sandbox_info_get_denial(i, k, &layer, &count, &error, &forbidden);
		printf("%s\n%s    { \"layer\": ", k ? "," : "", indent);
		json_string(layer);
		printf(", \"name\": ");
		json_string(name);
		printf(", \"error\": ");
		if (error > 0 && strerrorname_np(error))
			json_string(strerrorname_np(error));
		else
			fputs("null", stdout);
		printf(", \"count\": %" PRIu64 ", \"forbidden\": %s }", count,
		    forbidden ? "true" : "false");
	}
	if (sandbox_info_get_n_denials(i) > 0)
		printf("\n%s  ", indent);
	printf("]\n%s}", indent);
}

void
output_sandbox_list(sandbox_info **v, size_t n, bool json)
{
	size_t policy_width, state_width;

	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			printf(i ? ",\n" : "\n");
			json_info(v[i], "  ");
		}
		printf(n ? "\n]\n" : "]\n");
		return;
	}

	policy_width = column_width(6, sandbox_info_get_policy, v, n);
	state_width = column_width(8, sandbox_info_get_state, v, n);
	printf("%-6s %-6s %-8s %-*s %-*s %-9s %-8s %s\n", "ID", "UID", "PID",
	    (int) state_width, "STATE", (int) policy_width, "POLICY", "CPU", "MEMORY", "COMMAND");
	for (size_t i = 0; i < n; i++) {
		char cpu[32], mem[32];

		printf("%-6" PRIu64 " %-6u %-8d ", sandbox_info_get_id(v[i]),
		    (unsigned) sandbox_info_get_owner_uid(v[i]), (int) sandbox_info_get_pid(v[i]));
		print_column(sandbox_info_get_state(v[i]), state_width);
		print_column(sandbox_info_get_policy(v[i]), policy_width);
		printf("%-9s %-8s ", format_usec(cpu, sizeof(cpu), sandbox_info_get_cpu_usec(v[i])),
		    format_bytes(mem, sizeof(mem), sandbox_info_get_memory_current(v[i])));
		(void) escape_fputs(sandbox_info_get_command(v[i]), 0, stdout);
		putchar('\n');
	}
}

void
output_sandbox_status(const sandbox_info *i, bool json)
{
	char b1[32], b2[32], started[64] = "-";
	uint64_t start;

	if (json) {
		json_info(i, "");
		putchar('\n');
		return;
	}

	start = sandbox_info_get_start_usec(i);
	if (start > 0) {
		time_t t = (time_t) (start / 1000000u);
		struct tm tm;

		if (localtime_r(&t, &tm))
			(void) strftime(started, sizeof(started), "%Y-%m-%d %H:%M:%S %Z", &tm);
	}
	printf("Id: %" PRIu64 "\n", sandbox_info_get_id(i));
	print_field("State", sandbox_info_get_state(i));
	print_field("Limit hit", sandbox_info_get_limit(i));
	print_field("Policy", sandbox_info_get_policy(i));
	print_field("Command", sandbox_info_get_command(i));
	printf("Owner UID: %u\n", (unsigned) sandbox_info_get_owner_uid(i));
	printf("Owner PID: %d\n", (int) sandbox_info_get_owner_pid(i));
	printf("PID: %d\n", (int) sandbox_info_get_pid(i));
	printf("UID: %u\n", (unsigned) sandbox_info_get_uid(i));
	printf("Started: %s\n", started);
	printf("CPU: %s\n", format_usec(b1, sizeof(b1), sandbox_info_get_cpu_usec(i)));
	printf("Memory: %s (peak %s)\n",
	    format_bytes(b1, sizeof(b1), sandbox_info_get_memory_current(i)),
	    format_bytes(b2, sizeof(b2), sandbox_info_get_memory_peak(i)));
	printf("Tasks: %" PRIu64 "\n", sandbox_info_get_tasks_current(i));
	printf("Timeout: %s\n", format_limit(b1, sizeof(b1), sandbox_info_get_timeout_ms(i), "ms"));
	printf("Memory max: %s\n",
	    format_limit(b1, sizeof(b1), sandbox_info_get_memory_max(i), "bytes"));
	printf("Tasks max: %s\n", format_limit(b1, sizeof(b1), sandbox_info_get_tasks_max(i), ""));
	printf("CPU max: %s\n", format_limit(b1, sizeof(b1), sandbox_info_get_cpu_ms(i), "ms"));
	printf("Broker requests: %" PRIu64 " (%" PRIu64 " denied)\n",
	    sandbox_info_get_broker_requests(i), sandbox_info_get_broker_denied(i));
	for (size_t k = 0; k < sandbox_info_get_n_denials(i); k++) {
		const char *layer, *name;
		uint64_t count;
		int error, forbidden;

		name = sandbox_info_get_denial(i, k, &layer, &count, &error, &forbidden);
		printf("%s%s ", k ? "             " : "Denials:     ", layer);
		(void) escape_fputs(name, 0, stdout);
		printf(" (%s) x%" PRIu64 "%s\n",
		    error > 0 && strerrorname_np(error) ? strerrorname_np(error) : "?", count,
		    forbidden ? ", forbidden in every policy" : "");
	}
	if (sandbox_info_get_last_denial(i))
		print_field("Last denial", sandbox_info_get_last_denial(i));
}

void
output_policy_list(char **names, char **descs, bool json)
{
	size_t width = 4;

	if (json) {
		printf("[");
		for (size_t i = 0; names[i]; i++) {
			printf(i ? ",\n  { \"name\": " : "\n  { \"name\": ");
			json_string(names[i]);
			printf(", \"description\": ");
			json_string(descs[i]);
			printf(" }");
		}
		printf(names[0] ? "\n]\n" : "]\n");
		return;
	}
	for (size_t i = 0; names[i]; i++)
		if (escape_columns(names[i], 0) > width)
			width = escape_columns(names[i], 0);
	printf("%-*s  %s\n", (int) width, "NAME", "DESCRIPTION");
	for (size_t i = 0; names[i]; i++) {
		print_column(names[i], width);
		putchar(' ');
		(void) escape_fputs(descs[i], 0, stdout);
		putchar('\n');
	}
}

void
output_run_report(const sandbox_exit *ex, bool json)
{
	const char *sig = ex->exited ? NULL : sigabbrev_np(ex->status);
	char b1[32], b2[32];

	if (json) {
		fprintf(stderr, "{\"id\": %" PRIu64 ", ", ex->id);
		if (ex->exited)
			fprintf(stderr, "\"exit_status\": %d, \"signal\": null, "
			    "\"signal_name\": null", ex->status);
		else {
			fprintf(stderr, "\"exit_status\": null, \"signal\": %d, "
			    "\"signal_name\": ", ex->status);
			if (sig)
				json_string_to(stderr, sig);
			else
				fputs("null", stderr);
		}
		fputs(", \"limit\": ", stderr);
		json_string_to(stderr, ex->limit);
		fprintf(stderr, ", \"wall_usec\": %" PRIu64 ", \"cpu_usec\": %" PRIu64
		    ", \"memory_peak\": %" PRIu64 "}\n", ex->wall_usec, ex->cpu_usec,
		    ex->memory_peak);
		return;
	}

	fprintf(stderr, "Sandbox: %" PRIu64 "\n", ex->id);
	if (ex->exited)
		fprintf(stderr, "\tExit status: %d\n", ex->status);
	else
		fprintf(stderr, "\tKilled by signal: %d (%s)\n", ex->status, sig ? sig : "?");
	fputs("\tLimit hit: ", stderr);
	(void) escape_fputs(ex->limit, 0, stderr);
	fputc('\n', stderr);
	fprintf(stderr, "\tWall time: %s\n", format_usec(b1, sizeof(b1), ex->wall_usec));
	fprintf(stderr, "\tCPU time: %s\n", format_usec(b1, sizeof(b1), ex->cpu_usec));
	fprintf(stderr, "\tPeak memory: %s (%" PRIu64 " bytes)\n",
	    format_bytes(b2, sizeof(b2), ex->memory_peak), ex->memory_peak);
}
