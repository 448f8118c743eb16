/* journal.h: an append-only JSONL record of finished work, so that a killed
 * run resumes without redoing any of it. Every record has a unique "key";
 * seal_journal_put appends it and fsyncs before returning, so a record that was
 * reported finished survives a SIGKILL. On open, existing records are indexed
 * and a torn last line (a kill mid-write) is cut off. Thread-safe. */
#ifndef SEAL_SEAL_JOURNAL_H
#define SEAL_SEAL_JOURNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>

typedef struct {
    char *path;
    FILE *f;
    json_t *index; /* key -> record */
    pthread_mutex_t mu;
} journal;

int seal_journal_open(journal *j, const char *path);
/* A journal of no file: records are kept in memory only (an MPI rank other
 * than 0, which writes nothing, caching what it computes for rank 0). */
void seal_journal_open_memory(journal *j);
void seal_journal_close(journal *j);
/* The record stored under key (borrowed; valid until close), or NULL. */
json_t *seal_journal_get(journal *j, const char *key);
/* Store record (the journal takes the reference) under key: appended, flushed
 * and fsynced. A key already present is an error, and so is a NULL record
 * (what json_pack returns for a non-finite number or ill-formed UTF-8). */
int seal_journal_put(journal *j, const char *key, json_t *record);
/* seal_journal_put of a record given as JSON text (another MPI rank's result,
 * docs/scale-out.md); text that is not a JSON object is an error. */
int seal_journal_put_text(journal *j, const char *key, const char *text, size_t len);
/* Number of records. */
size_t seal_journal_size(journal *j);

#endif
