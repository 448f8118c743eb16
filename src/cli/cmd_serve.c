/* seal serve: the OpenAI-compatible HTTP server (serve/serve.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "serve/serve.h"
#include "util/err.h"
#include "util/fsutil.h"

/* --lora NAME=DIR: the option's value stays in argv (not copied). */
static int add_lora(const char *value, void *dst) {
    seal_serve_opts *o = dst;
    const char *eq = strchr(value, '=');
    if (!eq || eq == value || !eq[1]) return seal_err("--lora: \"%s\" is not NAME=DIR", value);
    if (o->n_lora == SERVE_MAX_LORA) return seal_err("--lora: at most %d adapters", SERVE_MAX_LORA);
    char *name = seal_strdup(value); /* freed at exit with the options */
    name[eq - value] = '\0';
    o->lora_names[o->n_lora] = name;
    o->lora_dirs[o->n_lora++] = eq + 1;
    return 0;
}

static int parse_opts(seal_serve_opts *o, const char **port_file, int argc, char **argv) {
    const cli_opt opts[] = {
        CLI_OPT_STR("model", 'm', &o->model_dir, "DIR", "model directory", CLI_REQUIRED),
        CLI_OPT_STR("served-model-name", 0, &o->served_name, "NAME", "the model's id in the API (default: DIR's name)", 0),
        CLI_OPT_CUSTOM("lora", 0, o, "NAME=DIR", "serve the PEFT adapter in DIR as model NAME (repeatable)", add_lora,
                       NULL, CLI_REPEAT),
        CLI_OPT_FLAG("allow-runtime-lora", 0, &o->allow_runtime_lora,
                     "enable /v1/load_lora_adapter and /v1/unload_lora_adapter (clients name directories to read)", 0),
        CLI_SECTION("Network:"),
        CLI_OPT_STR("host", 0, &o->host, "ADDR", "IPv4 address to bind (the loopback by default)", 0),
        CLI_OPT(CLI_INT, "port", 'p', &o->port, "P", "TCP port (0: any free port)", 0, 65535, 0),
        CLI_OPT_STR("port-file", 0, port_file, "FILE", "write the bound port to FILE once listening", 0),
        CLI_OPT_STR("api-key", 0, &o->api_key, "KEY", "require \"Authorization: Bearer KEY\" (default: $SEAL_API_KEY)", 0),
        CLI_SECTION("Limits:"),
        CLI_OPT(CLI_INT, "max-batch", 0, &o->max_batch, "N", "samples decoded together at most", 1, 4096, 0),
        CLI_OPT(CLI_INT, "max-queue", 0, &o->max_queue, "N", "requests waiting at most (more are answered 429)", 1,
                1 << 20, 0),
        CLI_OPT(CLI_INT, "max-tokens", 0, &o->max_tokens, "N", "the largest max_tokens a request may ask", 1, 1 << 20, 0),
        CLI_OPT(CLI_INT, "max-n", 0, &o->max_n, "N", "the largest n a request may ask (at most --max-batch)", 1, 4096, 0),
        CLI_OPT(CLI_INT, "max-body", 0, &o->max_body, "BYTES", "request body size at most (more: 413)", 1, 1 << 30, 0),
        CLI_OPT(CLI_INT, "max-connections", 0, &o->max_connections, "N", "open connections at most", 1, 65536, 0),
        CLI_OPT(CLI_INT, "timeout", 0, &o->timeout_s, "S", "a request must arrive whole within S seconds (slow senders are cut off)", 1, 86400, 0),
        CLI_THREADS_OPT(&o->threads),
        CLI_SECTION("Self-adaptation (POST /v1/adapt, seal's extension):"),
        CLI_OPT(CLI_INT, "adapt-threads", 0, &o->adapt_threads, "N",
                "kernel threads of adaptation jobs, beside serving's (0: /v1/adapt off)", 0, 1024, 0),
        CLI_OPT(CLI_INT, "adapt-queue", 0, &o->adapt_queue, "N", "adaptation jobs waiting or running at most", 1, 1024, 0),
        CLI_OPT(CLI_INT, "adapt-edit-tokens", 0, &o->adapt_edit_tokens, "N", "a self-edit's tokens at most", 1, 1 << 20, 0),
        CLI_OPT(CLI_INT, "adapt-memory", 0, &o->adapt_memory_mb, "MB",
                "memory budget of one adaptation job: a job estimated to need more is refused (0: none)", 0, 1 << 30, 0),
        {0}};
    const cli_spec spec = {
        "seal serve", "-m DIR [--lora NAME=DIR ...] [--host 127.0.0.1] [--port 8000] [options]",
        "Serve the model over the OpenAI HTTP API (as vLLM and llama.cpp's server do):\n"
        "GET /v1/models, POST /v1/completions, POST /v1/chat/completions (\"stream\": true\n"
        "for server-sent events), and with --allow-runtime-lora vLLM's\n"
        "POST /v1/load_lora_adapter and /v1/unload_lora_adapter. Concurrent requests share\n"
        "decode steps (continuous batching). Stops on SIGINT or SIGTERM.\n"
        "See docs/commands/serve.md.\n",
        opts, 0, 0, NULL};
    return cli_parse(&spec, argc, argv, NULL, NULL);
}

int cmd_serve(int argc, char **argv) {
    seal_serve_opts o = seal_serve_defaults();
    const char *port_file = NULL;
    int rc = parse_opts(&o, &port_file, argc, argv);
    if (rc != CLI_CONTINUE) return rc;
    if (!o.api_key && getenv("SEAL_API_KEY") && *getenv("SEAL_API_KEY")) o.api_key = getenv("SEAL_API_KEY");
    /* Block the stop signals before any thread starts, so that every thread
     * inherits the mask and sigwait below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up mid-stream */
    seal_server *s = seal_serve_start(&o);
    int code = 1;
    if (!s) goto done;
    char port[16];
    snprintf(port, sizeof port, "%d\n", seal_serve_port(s));
    if (port_file && seal_write_file_atomic(port_file, port, strlen(port))) { seal_serve_stop(s); goto done; }
    fprintf(stderr, "seal serve: listening on http://%s:%d (model %s)\n", o.host, seal_serve_port(s), o.model_dir);
    int sig;
    sigwait(&stop, &sig);
    long requests, batches;
    seal_serve_counts(s, &requests, &batches);
    seal_serve_stop(s);
    fprintf(stderr, "seal serve: stopped by signal %d after %ld requests in %ld decode steps\n", sig, requests, batches);
    code = 0;
done:
    if (code) cli_fail();
    for (int i = 0; i < o.n_lora; i++) free((char *)o.lora_names[i]);
    return code;
}
