/* C test program for include/suqiu.h: real calls as a petition system would make them. */
#include "suqiu.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

static const char *ROAD = "\xe8\xb7\xaf\xe9\x9d\xa2\xe5\x9d\x91\xe7\xaa\xaa\xe4\xb8\x8d\xe5\xb9\xb3,\xe6\x99\x9a\xe4\xb8\x8a\xe9\x80\xa3\xe5\x80\x8b\xe8\xb7\xaf\xe7\x87\x88\xe9\x83\xbd\xe6\xb2\x92\xe6\x9c\x89"; /* 路面坑窪不平,晚上連個路燈都沒有 */

static void *worker(void *arg) {
    const suqiu_engine *engine = (const suqiu_engine *)arg;
    for (int i = 0; i < 200; i++) {
        suqiu_result *r = NULL;
        if (suqiu_triage(engine, (const uint8_t *)ROAD, strlen(ROAD), "430202001012", &r) != SUQIU_STATUS_OK) return (void *)1;
        int ok = strcmp(suqiu_result_category(r), "roads_transport") == 0;
        suqiu_result_free(r);
        if (!ok) return (void *)1;
    }
    return NULL;
}

int main(void) {
    FILE *f = NULL;
    suqiu_engine *engine = NULL;
    CHECK(suqiu_engine_new_default(&engine) == SUQIU_STATUS_OK);
    CHECK(engine != NULL);
    CHECK(strlen(suqiu_version()) > 0);

    /* JSON of one message */
    char *json = NULL;
    char *untouched_locate = (char *)0x1;
    CHECK(suqiu_triage_json(engine, (const uint8_t *)ROAD, strlen(ROAD), "430202001012", &json) == SUQIU_STATUS_OK);
    CHECK(json && strstr(json, "\"kind\":\"grievance\"") != NULL);
    CHECK(json && strstr(json, "\"category\":\"roads_transport\"") != NULL);
    suqiu_string_free(json);

    /* location of an address: the division, its chain, the mentions */
    const char *ADDR = "\xe8\x8c\xb6\xe9\x99\xb5\xe5\x8e\xbf\xe8\x99\x8e\xe8\xb8\x9e\xe9\x95\x87"; /* 茶陵县虎踞镇 */
    CHECK(suqiu_locate_json(engine, (const uint8_t *)ADDR, strlen(ADDR), NULL, &json) == SUQIU_STATUS_OK);
    CHECK(json && strstr(json, "\"code\":\"430224109\"") != NULL);
    CHECK(json && strstr(json, "\"chain\":[\"43\",\"4302\",\"430224\",\"430224109\"]") != NULL);
    suqiu_string_free(json);
    CHECK(suqiu_locate_json(engine, (const uint8_t *)ADDR, strlen(ADDR), "999999999999", &untouched_locate) == SUQIU_STATUS_UNKNOWN_DIVISION);
    CHECK(untouched_locate == (char *)0x1);

    /* structured result */
    suqiu_result *r = NULL;
    CHECK(suqiu_triage(engine, (const uint8_t *)ROAD, strlen(ROAD), "430202001012", &r) == SUQIU_STATUS_OK);
    CHECK(strcmp(suqiu_result_kind(r), "grievance") == 0);
    CHECK(strcmp(suqiu_result_division_code(r), "430202001012") == 0);
    CHECK(strcmp(suqiu_result_level(r), "county") == 0);
    CHECK(strstr(suqiu_result_handler(r), "\xe5\x9f\x8e\xe7\xae\xa1\xe5\xb1\x80") != NULL); /* 城管局 */
    CHECK(suqiu_result_confidence(r) > 0.0);
    size_t n = suqiu_result_evidence_count(r);
    CHECK(n > 0);
    for (size_t i = 0; i < n; i++) {
        size_t s = 0, e = 0; const char *label = NULL;
        CHECK(suqiu_result_evidence(r, i, &s, &e, &label) == SUQIU_STATUS_OK);
        CHECK(s < e && e <= strlen(ROAD) && label != NULL);
    }
    size_t s0, e0; const char *l0;
    CHECK(suqiu_result_evidence(r, n, &s0, &e0, &l0) == SUQIU_STATUS_INVALID_INPUT);
    suqiu_result_free(r);

    /* batch: one line out per line in, errors inline */
    const char *batch = "{\"id\":1,\"text\":\"\xe8\xb7\xaf\xe7\x81\xaf\xe5\x9d\x8f\xe4\xba\x86\"}\nnot json\n{\"id\":3,\"text\":\"\"}\n";
    char *out = NULL;
    CHECK(suqiu_triage_batch_json(engine, (const uint8_t *)batch, strlen(batch), &out) == SUQIU_STATUS_OK);
    int lines = 0; for (char *p = out; p && *p; p++) if (*p == '\n') lines++;
    CHECK(lines == 3);
    CHECK(out && strstr(out, "\"line\":2") != NULL);
    suqiu_string_free(out);

    /* bad input: each its own status, outputs untouched */
    char *untouched = (char *)0x1;
    CHECK(suqiu_triage_json(NULL, (const uint8_t *)"x", 1, NULL, &json) == SUQIU_STATUS_NULL_ARGUMENT);
    CHECK(suqiu_triage_json(engine, NULL, 5, NULL, &untouched) == SUQIU_STATUS_NULL_ARGUMENT);
    CHECK(untouched == (char *)0x1);
    const uint8_t bad_utf8[] = {0xff, 0xfe, 0x41};
    CHECK(suqiu_triage_json(engine, bad_utf8, 3, NULL, &untouched) == SUQIU_STATUS_INVALID_INPUT);
    CHECK(suqiu_triage_json(engine, (const uint8_t *)"", 0, NULL, &untouched) == SUQIU_STATUS_INVALID_INPUT);
    CHECK(suqiu_triage_json(engine, (const uint8_t *)ROAD, strlen(ROAD), "999999999999", &untouched) == SUQIU_STATUS_UNKNOWN_DIVISION);
    char buf[256];
    size_t full = suqiu_last_error_message(buf, sizeof buf);
    CHECK(full > 0 && strstr(buf, "999999999999") != NULL);
    char tiny[4];
    CHECK(suqiu_last_error_message(tiny, sizeof tiny) == full && strlen(tiny) <= 3);
    CHECK(suqiu_last_error_message(NULL, 0) == full);
    size_t big_len = 10u * 1024 * 1024;
    uint8_t *big = (uint8_t *)malloc(big_len);
    memset(big, 'a', big_len);
    CHECK(suqiu_triage_json(engine, big, big_len, NULL, &untouched) == SUQIU_STATUS_LIMIT_EXCEEDED);
    free(big);
    CHECK(untouched == (char *)0x1);
    suqiu_engine *bad = NULL;
    CHECK(suqiu_engine_new(NULL, "/no/such/divisions.csv", &bad) == SUQIU_STATUS_IO);
    f = fopen("target/c-tests/bad.csv", "wb");
    if (f) { fputs("code,name,level,parent_code\n43,x,9,\n", f); fclose(f); }
    CHECK(suqiu_engine_new(NULL, "target/c-tests/bad.csv", &bad) == SUQIU_STATUS_DIVISIONS);
    CHECK(bad == NULL);
    CHECK(suqiu_engine_new("/no/such/profile", NULL, &bad) == SUQIU_STATUS_PROFILE);
    CHECK(suqiu_engine_new_default(NULL) == SUQIU_STATUS_NULL_ARGUMENT);
    suqiu_engine_free(NULL);
    suqiu_string_free(NULL);
    suqiu_result_free(NULL);
    CHECK(suqiu_result_kind(NULL) == NULL);

    /* aggregation: two reports of one problem from two groups become one issue */
    const char *reports =
        "{\"id\":\"a\",\"group_division\":\"430204009001\",\"time\":\"2026-03-01T09:00:00\",\"text\":\"\xe6\x90\x9e\xe5\xae\x8c\xe4\xba\x86\xe5\x9c\x9f\xe5\x9c\xb0\xe6\xb2\xa1\xe6\x9c\x89\xe6\x81\xa2\xe5\xa4\x8d\xe5\x8e\x9f\xe6\xa0\xb7\xef\xbc\x8c\xe7\x94\xb0\xe9\x87\x8c\xe5\x88\xb0\xe5\xa4\x84\xe6\x98\xaf\xe7\x94\xb5\xe7\xba\xbf\xe6\x9d\x86\xe5\x92\x8c\xe5\x9d\x91\"}\n"
        "{\"id\":\"b\",\"group_division\":\"430204009002\",\"time\":\"2026-03-02T09:00:00\",\"text\":\"\xe6\x90\x9e\xe5\xae\x8c\xe4\xba\x86\xe5\x9c\x9f\xe5\x9c\xb0\xe6\xb2\xa1\xe6\x9c\x89\xe6\x81\xa2\xe5\xa4\x8d\xe5\x8e\x9f\xe6\xa0\xb7\xef\xbc\x8c\xe7\x94\xb0\xe9\x87\x8c\xe5\x88\xb0\xe5\xa4\x84\xe6\x98\xaf\xe7\x94\xb5\xe7\xba\xbf\xe6\x9d\x86\xe5\x92\x8c\xe5\x9d\x91\xe3\x80\x82\"}\n"
        "not json\n";
    char *issues = NULL;
    CHECK(suqiu_aggregate_jsonl(engine, (const uint8_t *)reports, strlen(reports), 0.0, &issues) == SUQIU_STATUS_OK);
    CHECK(issues && strstr(issues, "\"line\":3") != NULL);
    CHECK(issues && strstr(issues, "\"count\":2") != NULL);
    suqiu_string_free(issues);
    CHECK(suqiu_aggregate_jsonl(NULL, (const uint8_t *)reports, 1, 0.0, &issues) == SUQIU_STATUS_NULL_ARGUMENT);

    /* reply audit: one line per input, in order; a line without "reply" is an error line */
    const char *replies =
        "{\"id\":\"r1\",\"text\":\"\xe8\xb7\xaf\xe7\x81\xaf\xe5\x9d\x8f\xe4\xba\x86\xe4\xb8\x80\xe4\xb8\xaa\xe6\x9c\x88\xe6\xb2\xa1\xe4\xba\xba\xe4\xbf\xae\",\"reply\":\"\xe7\xbd\x91\xe5\x8f\x8b:\xe6\x82\xa8\xe5\xa5\xbd!\xe6\x82\xa8\xe7\x9a\x84\xe7\x95\x99\xe8\xa8\x80\xe5\xb7\xb2\xe6\x94\xb6\xe6\x82\x89\xe3\x80\x82\",\"time\":\"2024/3/1 9:00:00\",\"reply_time\":\"2024/4/10 9:00:00\"}\n"
        "{\"id\":\"r2\",\"text\":\"x\"}\n";
    char *audited = NULL;
    CHECK(suqiu_audit_jsonl(engine, (const uint8_t *)replies, strlen(replies), 0, &audited) == SUQIU_STATUS_OK);
    CHECK(audited && strstr(audited, "\"verdict\":\"perfunctory\"") != NULL);
    CHECK(audited && strstr(audited, "\"acknowledgement_only\"") != NULL);
    CHECK(audited && strstr(audited, "\"overdue\"") != NULL);
    CHECK(audited && strstr(audited, "\"line\":2") != NULL);
    suqiu_string_free(audited);
    CHECK(suqiu_audit_jsonl(engine, (const uint8_t *)replies, strlen(replies), 1, &audited) == SUQIU_STATUS_OK);
    CHECK(audited && strstr(audited, "\"poor_share\":1.0") != NULL);
    suqiu_string_free(audited);
    CHECK(suqiu_audit_jsonl(NULL, (const uint8_t *)replies, 1, 0, &audited) == SUQIU_STATUS_NULL_ARGUMENT);

    /* trained model entry point: a missing file is IO, a corrupt one MODEL */
    suqiu_model *model = NULL;
    CHECK(suqiu_model_load("/no/such/model.bin", &model) == SUQIU_STATUS_IO);
    CHECK(model == NULL);
    const char *model_path = getenv("SUQIU_TEST_MODEL");
    if (model_path) {
        CHECK(suqiu_model_load(model_path, &model) == SUQIU_STATUS_OK);
        char *pred = NULL;
        CHECK(suqiu_model_predict_json(model, (const uint8_t *)ROAD, strlen(ROAD), &pred) == SUQIU_STATUS_OK);
        CHECK(pred && strstr(pred, "\"label\":\"roads\"") != NULL);
        suqiu_string_free(pred);
        suqiu_model_free(model);
    }
    f = fopen("target/c-tests/corrupt.model", "wb");
    if (f) { fputs("SUQIUMDL garbage", f); fclose(f); }
    CHECK(suqiu_model_load("target/c-tests/corrupt.model", &model) == SUQIU_STATUS_MODEL);
    suqiu_model_free(NULL);

    /* one engine shared by 4 threads */
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, engine);
    for (int i = 0; i < 4; i++) { void *rv; pthread_join(t[i], &rv); CHECK(rv == NULL); }

    suqiu_engine_free(engine);
    if (failures) { fprintf(stderr, "%d failed\n", failures); return 1; }
    printf("C ABI: all checks passed\n");
    return 0;
}
