/* commands.h: every `seal <command>` entry point. Each takes the arguments
 * after the command name (argv[0] is the command name), prints its own --help,
 * and returns the process exit code (0 success, 1 error, 2 usage error). */
#ifndef SEAL_CLI_COMMANDS_H
#define SEAL_CLI_COMMANDS_H

int cmd_info(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_detokenize(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_chat_template(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_pretrain(int argc, char **argv);
int cmd_knowledge(int argc, char **argv);
int cmd_arc(int argc, char **argv);
int cmd_sandbox(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_world(int argc, char **argv);
int cmd_tokenizer(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
