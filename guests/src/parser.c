/*
 * parser.c - generate a pseudo-random arithmetic expression text of about
 * n bytes, then tokenise and evaluate it with a recursive-descent parser.
 * Branch-heavy, byte-at-a-time code.
 *
 * Grammar (evaluation in wrapping unsigned 64-bit arithmetic):
 *   expr   := term   (('+' | '-') term)*
 *   term   := factor (('*' | '/' | '%') factor)*     x / 0 = x, x % 0 = x
 *   factor := number | '(' expr ')'
 *   number := [0-9]+
 * Spaces may appear between tokens.
 */
#include "pvm_guest.h"
#include "common.h"

#define PARSE_MAX (1024u * 1024u)
#define PARSE_SLACK 1024u
#define MAX_DEPTH 4

static char text[PARSE_MAX + PARSE_SLACK];

/* ---- generator ---- */

struct gen {
    uint32_t rng;
    uint64_t len;
    uint64_t limit;
};

static void put(struct gen *g, char c)
{
    if (g->len < PARSE_MAX + PARSE_SLACK - 1)
        text[g->len++] = c;
}

static void gen_number(struct gen *g)
{
    uint32_t r = xorshift32(&g->rng);
    uint32_t digits = 1 + (r & 3) + ((r >> 2) & 1); /* 1..5 digits */
    uint32_t v = r >> 8;
    for (uint32_t k = 0; k < digits; k++) {
        put(g, (char)('0' + v % 10));
        v /= 10;
    }
    if (((r >> 3) & 7) == 0)
        put(g, ' ');
}

static void gen_expr(struct gen *g, int depth);

static void gen_factor(struct gen *g, int depth)
{
    if (depth < MAX_DEPTH && (xorshift32(&g->rng) % 5) == 0) {
        put(g, '(');
        gen_expr(g, depth + 1);
        put(g, ')');
    } else {
        gen_number(g);
    }
}

static void gen_term(struct gen *g, int depth)
{
    gen_factor(g, depth);
    while (g->len < g->limit) {
        uint32_t r = xorshift32(&g->rng) % 8;
        if (r >= 3)
            break;
        put(g, r == 0 ? '*' : r == 1 ? '/' : '%');
        gen_factor(g, depth);
    }
}

static void gen_expr(struct gen *g, int depth)
{
    gen_term(g, depth);
    while (g->len < g->limit) {
        uint32_t r = xorshift32(&g->rng);
        if (depth > 0 && (r & 3) == 0)
            break;
        put(g, (r & 4) ? '+' : '-');
        gen_term(g, depth);
    }
}

/* ---- parser / evaluator ---- */

struct parser {
    const char *p;
    const char *end;
    uint64_t tokens;
    uint64_t max_depth;
    int error;
};

static void skip_spaces(struct parser *ps)
{
    while (ps->p < ps->end && *ps->p == ' ')
        ps->p++;
}

static int peek(struct parser *ps)
{
    skip_spaces(ps);
    return ps->p < ps->end ? (unsigned char)*ps->p : -1;
}

static uint64_t parse_expr(struct parser *ps, uint64_t depth);

static uint64_t parse_factor(struct parser *ps, uint64_t depth)
{
    int c = peek(ps);
    if (c == '(') {
        ps->p++;
        ps->tokens++;
        if (depth + 1 > ps->max_depth)
            ps->max_depth = depth + 1;
        uint64_t v = parse_expr(ps, depth + 1);
        if (peek(ps) != ')') {
            ps->error = 1;
            return 0;
        }
        ps->p++;
        ps->tokens++;
        return v;
    }
    if (c >= '0' && c <= '9') {
        uint64_t v = 0;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            v = v * 10 + (uint64_t)(*ps->p - '0');
            ps->p++;
        }
        ps->tokens++;
        return v;
    }
    ps->error = 1;
    return 0;
}

static uint64_t parse_term(struct parser *ps, uint64_t depth)
{
    uint64_t v = parse_factor(ps, depth);
    for (;;) {
        int c = peek(ps);
        if (c != '*' && c != '/' && c != '%')
            return v;
        ps->p++;
        ps->tokens++;
        uint64_t rhs = parse_factor(ps, depth);
        if (c == '*')
            v *= rhs;
        else if (rhs != 0)
            v = (c == '/') ? v / rhs : v % rhs;
    }
}

static uint64_t parse_expr(struct parser *ps, uint64_t depth)
{
    uint64_t v = parse_term(ps, depth);
    for (;;) {
        int c = peek(ps);
        if (c != '+' && c != '-')
            return v;
        ps->p++;
        ps->tokens++;
        uint64_t rhs = parse_term(ps, depth);
        v = (c == '+') ? v + rhs : v - rhs;
    }
}

/*
 * parse(n): generate an expression of about n bytes (n clamped to 1 MiB),
 * evaluate it, and return a checksum of (value, token count, length, max
 * nesting depth). Returns all ones on a parse error (never expected).
 */
PVM_EXPORT(parse, 1)
uint64_t parse(uint64_t n)
{
    if (n > PARSE_MAX)
        n = PARSE_MAX;

    struct gen g = {.rng = 0x1234567u, .len = 0, .limit = n};
    gen_expr(&g, 0);

    struct parser ps = {.p = text, .end = text + g.len, .tokens = 0, .max_depth = 0, .error = 0};
    uint64_t value = parse_expr(&ps, 0);
    if (ps.error || peek(&ps) != -1)
        return ~0ull;

    uint64_t h = FNV64_OFFSET;
    h = fnv_mix64(h, value);
    h = fnv_mix64(h, ps.tokens);
    h = fnv_mix64(h, g.len);
    h = fnv_mix64(h, ps.max_depth);
    return h;
}
