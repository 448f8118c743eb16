/* judge.h: a remote judge: the reference's grading prompt sent to any
 * OpenAI-compatible endpoint (OpenAI, vLLM, `seal serve`), with libcurl.
 *
 * The endpoint is chosen by the URL: a URL ending in "/completions" (but not
 * "/chat/completions") gets the raw prompt as a completions request, which is
 * what the in-process judge model sees (so a local judge served by
 * `seal serve` gives the same verdicts as --judge-model DIR); any other URL is
 * a base URL ("https://api.openai.com/v1") and gets the prompt as one user
 * message to its /chat/completions (the reference's chat fallback; it first
 * tries the Responses API, which only OpenAI serves). Both ask for
 * temperature 0 and 8 tokens, the in-process judge's decoding.
 *
 * Verdicts are parsed with seal_grade_parse_verdict (the reference's yes/no).
 * A reply that is not an OpenAI response (no choices[0].text or
 * .message.content string) is an error, never a verdict; so is an HTTP 4xx
 * other than 408/429. Timeouts, connection failures, 408, 429 and 5xx are
 * retried with exponential backoff (0.5 s, 1 s, 2 s, ... at most 8 s); after
 * the last retry the error names the URL and the last failure. (The reference
 * grades a judge that fails 3 times as wrong: seal stops instead.)
 *
 * Every verdict is appended (fsynced) to a cache file, keyed by a hash of the
 * API kind, the model name and the prompt; a cached prompt is never sent
 * again, so a resumed run asks only what it has not asked. The cache is read
 * when the judge is opened and first written by the first verdict (after the
 * run directory is claimed). Thread-safe: at most `concurrency` requests are
 * in flight; callers beyond that wait. */
#ifndef SEAL_SEAL_JUDGE_H
#define SEAL_SEAL_JUDGE_H

typedef struct {
    const char *url;        /* see above */
    const char *model;      /* the "model" field of every request */
    const char *api_key;    /* NULL: no Authorization header */
    const char *cache_path; /* NULL: no cache */
    double timeout_s;       /* per request */
    int retries;            /* after the first try */
    int concurrency;        /* requests in flight at most */
    double backoff_s;       /* the first retry's wait (doubled each time, at most 8 s) */
} seal_judge_opts;

seal_judge_opts seal_judge_defaults(void); /* 60 s, 3 retries, 4 in flight, 0.5 s */

typedef struct seal_judge seal_judge;

/* Check the options and read the cache (a malformed line is an error naming
 * the file and line). NULL + seal_err. Nothing is sent. */
seal_judge *seal_judge_open(const seal_judge_opts *o);
void seal_judge_close(seal_judge *j);

/* "chat" or "completions": the API the URL selects (recorded in a run). */
const char *seal_judge_api(const seal_judge *j);
/* The model name the endpoint is asked for (recorded in a run). */
const char *seal_judge_model(const seal_judge *j);

/* Grade: *correct = seal_grade_parse_verdict(reply) of the judge's reply to
 * prompt (cached or asked). 0, or -1 + seal_err. */
int seal_judge_ask(seal_judge *j, const char *prompt, int *correct);

/* Requests sent and verdicts served from the cache so far. */
void seal_judge_counts(seal_judge *j, long *sent, long *cached);

#endif
