/* test_grade: SQuAD v1.1 normalization / EM / F1 as evaluate-v1.1.py, the
 * judge prompt, and the reference's yes/no verdict parsing. Expected values
 * are what the Python functions return for the same inputs. */
#include "check.h"
#include "seal/grade.h"
#include "tok/prompts.h"

static void norm_is(int line, const char *in, const char *want) {
    char *got = seal_squad_normalize(in);
    if (strcmp(got, want)) { check_failures++; fprintf(stderr, "line %d: normalize(\"%s\") = \"%s\", want \"%s\"\n", line, in, got, want); }
    free(got);
}
#define NORM(in, want) norm_is(__LINE__, in, want)

static void test_normalize(void) {
    NORM("The Cat's  hat!", "cats hat");
    NORM("An apple, a day", "apple day");
    NORM("theater", "theater");                    /* articles only as whole words */
    NORM("THE END", "end");                        /* lowercased first */
    NORM("A a An aN tHe", "");
    NORM("the", "");
    NORM("", "");
    NORM("  multiple   spaces\t\n", "multiple spaces");
    NORM("x\xe3\x80\x80y", "x y");                 /* str.split() splits on U+3000 */
    NORM("a_b", "ab");                             /* '_' is in string.punctuation */
    NORM("A.B.", "ab");
    NORM("U.S.", "us");
    NORM("1,000", "1000");
    NORM("$5.00", "500");
    NORM("the-the", "thethe");                     /* punctuation goes before the article rule */
    /* Unicode punctuation is NOT in string.punctuation. */
    NORM("Hello\xe2\x80\x94world", "hello\xe2\x80\x94world");             /* em dash */
    NORM("\xe2\x80\x9cquoted\xe2\x80\x9d", "\xe2\x80\x9cquoted\xe2\x80\x9d"); /* curly quotes */
    NORM("\xc2\xbfqu\xc3\xa9?", "\xc2\xbfqu\xc3\xa9");                     /* inverted question mark stays */
    /* ... but it is a word boundary for the article rule. */
    NORM("a\xe2\x80\x94" "b", "\xe2\x80\x94" "b");
    NORM("the\xe2\x80\x99s", "\xe2\x80\x99s");
    NORM("\xc3\xa9" "a", "\xc3\xa9" "a");          /* é is a word character: no boundary before 'a' */
    /* Python's str.lower(): Unicode, full mapping (İ -> i + U+0307), final sigma. */
    NORM("\xc3\x89" "COLE", "\xc3\xa9" "cole");
    NORM("\xc4\xb0stanbul", "i\xcc\x87stanbul");
    NORM("\xce\x9f\xce\x94\xce\x9f\xce\xa3", "\xce\xbf\xce\xb4\xce\xbf\xcf\x82");  /* ΟΔΟΣ -> οδος */
    NORM("\xce\xa3\xce\x91", "\xcf\x83\xce\xb1");                                  /* ΣΑ -> σα */
    /* Invalid UTF-8 reads as U+FFFD. */
    NORM("B\xff", "b\xef\xbf\xbd");
    NORM("A\xff", "\xef\xbf\xbd");            /* U+FFFD is no word character: "a" is an article */
}

static void test_em_f1(void) {
    CHECK(seal_grade_exact_match("The Broncos", "broncos") == 1);
    CHECK(seal_grade_exact_match("Denver Broncos", "Broncos") == 0);
    CHECK(seal_grade_exact_match("", "") == 1);       /* both normalize to "" */
    CHECK(seal_grade_exact_match("the", "") == 1);
    CHECK(seal_grade_exact_match("a", "the") == 1);
    CHECK(seal_grade_exact_match("Santa Clara, California", "santa clara california") == 1);
    CHECK(seal_grade_exact_match("\xe2\x80\x9c" "cat\xe2\x80\x9d", "cat") == 0);

    CHECK(seal_grade_f1("Denver Broncos", "Broncos") == 2.0 / 3.0);  /* P 1/2, R 1: same doubles as the script */
    CHECK(seal_grade_f1("Santa Clara, California", "Santa Clara") == 0.8);
    CHECK(seal_grade_f1("x x y", "x y y") == 2.0 / 3.0);             /* Counter overlap: min counts, 2 */
    CHECK(seal_grade_f1("x x x", "x") == 0.5);                        /* P 1/3, R 1 */
    CHECK(seal_grade_f1("the cat", "cat") == 1.0);
    CHECK(seal_grade_f1("", "") == 0.0);                              /* no common tokens -> 0, even for two empties */
    CHECK(seal_grade_f1("a", "the") == 0.0);                          /* EM 1 but F1 0: the script's own quirk */
    CHECK(seal_grade_f1("", "cat") == 0.0 && seal_grade_f1("cat", "") == 0.0);
    CHECK(seal_grade_f1("cat", "dog") == 0.0);
    CHECK(seal_grade_f1("\xe2\x80\x9c" "cat\xe2\x80\x9d", "cat") == 0.0);
}

static void test_verdict(void) {
    CHECK(seal_grade_parse_verdict("Yes.") == 1);
    CHECK(seal_grade_parse_verdict("yes") == 1);
    CHECK(seal_grade_parse_verdict("YES") == 1);
    CHECK(seal_grade_parse_verdict("  Yes\n") == 1);
    CHECK(seal_grade_parse_verdict("The answer is yes") == 1);
    CHECK(seal_grade_parse_verdict("I know yes") == 1);        /* "know" is not the word "no" */
    CHECK(seal_grade_parse_verdict("yes, but no") == 0);
    CHECK(seal_grade_parse_verdict("Yes\n\nNo") == 0);
    CHECK(seal_grade_parse_verdict("Yes!No") == 0);
    CHECK(seal_grade_parse_verdict("Yesterday") == 0);
    CHECK(seal_grade_parse_verdict("yes_") == 0);              /* '_' is a word character */
    CHECK(seal_grade_parse_verdict("yes1") == 0);
    CHECK(seal_grade_parse_verdict("\xc3\xa9yes") == 0);       /* é is a word character */
    CHECK(seal_grade_parse_verdict("yes\xcc\x81") == 1);       /* a combining mark is not */
    CHECK(seal_grade_parse_verdict("ye\xc5\xbf") == 1);        /* re.I: U+017F LONG S matches 's' */
    CHECK(seal_grade_parse_verdict("no") == 0);
    CHECK(seal_grade_parse_verdict("No.") == 0);
    CHECK(seal_grade_parse_verdict("Nope") == 0);              /* neither word */
    CHECK(seal_grade_parse_verdict("") == 0);
    CHECK(seal_grade_parse_verdict(NULL) == 0);
    CHECK(seal_grade_parse_verdict("\xffyes\xff") == 1);       /* invalid bytes: U+FFFD, not a word character */
}

static void test_judge_prompt(void) {
    char *p = seal_grade_judge_prompt("Topic: Super Bowl 50\nWho won?", "Denver Broncos", "  The Broncos\n\n");
    const char *want =
        "You are a grading assistant. Your job is to determine whether a student's answer correctly answers the "
        "question based solely on the provided gold answer. Do not use any outside knowledge. The student answer can "
        "include additional information, but it must at least fully convey the gold answer and must not contradict "
        "it. Ignore style, phrasing, or extra details that do not affect correctness. Respond ONLY with 'yes' or "
        "'no'.\n\nQuestion: Topic: Super Bowl 50\nWho won?\nGold answer: Denver Broncos\nStudent answer: The Broncos\n"
        "Is the student answer correct based solely on the gold answer? Respond 'yes' or 'no'.";
    CHECK_MSG(!strcmp(p, want), "got \"%s\"", p);
    free(p);
    /* Values are substituted once (Python str.format does not re-scan them). */
    p = seal_grade_judge_prompt("{gold}", "{pred}", " {question} ");
    CHECK(strstr(p, "Question: {gold}\nGold answer: {pred}\nStudent answer: {question}\nIs") != NULL);
    free(p);
}

static void test_empty_answer(void) {
    CHECK(seal_grade_answer_empty("") == 1);
    CHECK(seal_grade_answer_empty(" \n\t") == 1);
    CHECK(seal_grade_answer_empty("\xe3\x80\x80\xc2\xa0") == 1);  /* Python's strip removes U+3000, U+00A0 */
    CHECK(seal_grade_answer_empty(NULL) == 1);
    CHECK(seal_grade_answer_empty("x") == 0);
    CHECK(seal_grade_answer_empty("\xe2\x80\x8b") == 0);          /* U+200B is not whitespace to Python */
}

int main(void) {
    test_normalize();
    test_em_f1();
    test_verdict();
    test_judge_prompt();
    test_empty_answer();
    return check_report("test_grade");
}
