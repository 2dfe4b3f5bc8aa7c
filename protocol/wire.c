/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See wire.h for the design. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

void
sbx_writer_init(struct sbx_writer *w, uint32_t type, uint32_t serial)
{
	struct sbx_hdr h = { .type = type, .serial = serial };

	*w = (struct sbx_writer) {};
	sbx_writer_put(w, &h, sizeof(h));
}

void
sbx_writer_done(struct sbx_writer *w)
{
	free(w->buf);
	*w = (struct sbx_writer) {};
}

void
sbx_writer_put(struct sbx_writer *w, const void *p, size_t size)
{
	if (w->error < 0)
		return;
	if (size > SBX_MSG_SIZE_MAX - w->len) {
		w->error = -EMSGSIZE;
		return;
	}
	if (w->len + size > w->allocated) {
		size_t n = w->allocated ? w->allocated * 2 : 256;
		uint8_t *b;

		while (n < w->len + size)
			n *= 2;
		if (n > SBX_MSG_SIZE_MAX)
			n = SBX_MSG_SIZE_MAX;
		b = realloc(w->buf, n);
		if (!b) {
			w->error = -ENOMEM;
			return;
		}
		w->buf = b;
		w->allocated = n;
	}
	if (size > 0)
		memcpy(w->buf + w->len, p, size);
	w->len += size;
}

void
sbx_writer_put_str_trunc(struct sbx_writer *w, const char *s, size_t max)
{
	uint32_t n;
	size_t l;

	if (!s) {
		if (w->error == 0)
			w->error = -EINVAL;
		return;
	}
	l = strnlen(s, max);
	if (l >= max)
		l = max - 1;
	n = (uint32_t) l + 1;
	sbx_writer_put(w, &n, sizeof(n));
	sbx_writer_put(w, s, l);
	sbx_writer_put(w, "", 1);
}

void
sbx_writer_put_str(struct sbx_writer *w, const char *s)
{
	if (s && strnlen(s, SBX_STRING_MAX) >= SBX_STRING_MAX) {
		if (w->error == 0)
			w->error = -ENAMETOOLONG;
		return;
	}
	sbx_writer_put_str_trunc(w, s, SBX_STRING_MAX);
}

int
sbx_writer_finish(struct sbx_writer *w)
{
	struct sbx_hdr *h;

	if (w->error < 0)
		return w->error;
	h = (struct sbx_hdr *) w->buf;
	h->len = (uint32_t) (w->len - sizeof(*h));
	return 0;
}

int
sbx_reader_init(struct sbx_reader *r, const void *buf, size_t size)
{
	*r = (struct sbx_reader) {};
	if (size < sizeof(struct sbx_hdr) || size > SBX_MSG_SIZE_MAX)
		return -EBADMSG;
	memcpy(&r->hdr, buf, sizeof(r->hdr));
	if (r->hdr.reserved != 0 || r->hdr.len != size - sizeof(struct sbx_hdr))
		return -EBADMSG;
	r->p = (const uint8_t *) buf + sizeof(struct sbx_hdr);
	r->left = r->hdr.len;
	return 0;
}

int
sbx_reader_get(struct sbx_reader *r, void *dst, size_t size)
{
	if (size > r->left)
		return -EBADMSG;
	memcpy(dst, r->p, size);
	r->p += size;
	r->left -= size;
	return 0;
}

int
sbx_reader_get_str(struct sbx_reader *r, const char **ret, size_t max)
{
	uint32_t n;
	const char *s;

	if (max == 0)
		max = SBX_STRING_MAX;
	if (sbx_reader_get(r, &n, sizeof(n)) < 0)
		return -EBADMSG;
	if (n == 0 || n > max || n > r->left)
		return -EBADMSG;
	s = (const char *) r->p;
	/* Terminated exactly at the end, with no NUL inside. */
	if (s[n - 1] != '\0' || memchr(s, '\0', n - 1))
		return -EBADMSG;
	r->p += n;
	r->left -= n;
	*ret = s;
	return 0;
}

int
sbx_reader_end(const struct sbx_reader *r)
{
	return r->left == 0 ? 0 : -EBADMSG;
}
