/* grade.h: grading an answer against a SQuAD gold answer.
 *
 * The reference grades with a judge model only (seal-method.md §2.5): the
 * verbatim grading prompt, a yes/no verdict, and empty answers wrong without
 * asking. SQuAD's exact match and token F1 (the official evaluate-v1.1.py)
 * are here as cheap local graders; the reference has no such metric.
 *
 * Every input may be arbitrary bytes: invalid UTF-8 is read as U+FFFD. */
#ifndef SEAL_SEAL_GRADE_H
#define SEAL_SEAL_GRADE_H

/* evaluate-v1.1.py's normalize_answer: lower (Python str.lower), drop
 * string.punctuation (ASCII only: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~), replace
 * the words a|an|the (Python re \b, Unicode word characters) by a space,
 * then ' '.join(s.split()). Returns a malloc'd string. */
char *seal_squad_normalize(const char *s);

/* 1 iff seal_squad_normalize(pred) == seal_squad_normalize(gold) (two empty strings match). */
int seal_grade_exact_match(const char *pred, const char *gold);

/* evaluate-v1.1.py's f1_score: tokens = normalized.split(), overlap =
 * sum of Counter(pred) & Counter(gold); 0 when the overlap is 0 (so also
 * when either side has no tokens), else 2PR/(P+R). */
double seal_grade_f1(const char *pred, const char *gold);

/* The judge prompt: SEAL_GRADE_TEMPLATE with {question} (the caller passes
 * "Topic: {title}\n{question}", as the reference's client does), {gold} and
 * {pred} = pred.strip(). Malloc'd. */
char *seal_grade_judge_prompt(const char *question_with_topic, const char *gold, const char *pred);

/* The reference's parse_yes_no: 1 iff the reply matches \byes\b and not
 * \bno\b, case-insensitively, with Python re's Unicode word boundaries
 * ("Yes." 1, "YES" 1, "yes, but no" 0, "Yesterday" 0, "Nope" 0, "" 0,
 * NULL 0). */
int seal_grade_parse_verdict(const char *reply);

/* The reference's rule before grading: an answer that is empty after
 * str.strip() (or NULL) is wrong and never shown to the judge. */
int seal_grade_answer_empty(const char *pred);

#endif
