/* Pointer chasing and a hash table: a chained hash table of 2^17 entries
 * (64-bit keys, two entries per bucket on average) looked up 2^18 times a
 * round, half the keys present and half absent, in a scrambled order; each
 * lookup follows a chain of node pointers. Every round also deletes and
 * re-inserts a slice of the keys, so the chains keep changing. The check
 * value is the number of hits and the sum of the values found. The program
 * checks itself: every present key is found with its value, no absent key is. */
#include <string.h>

#include "bench.h"

#define ENTRIES (1u << 17)
#define BUCKETS (ENTRIES / 2)
#define BASE_ROUNDS 48
#define CHURN (ENTRIES / 16)

typedef struct node {
  uint64_t key;
  uint64_t value;
  struct node* next;
} node;

typedef struct {
  node** buckets;
  node* nodes; /* storage for all entries */
} table;

/* A bijection on 64 bits (SplitMix64's finaliser): distinct inputs give
 * distinct keys, so key(2i) and key(2i + 1) never collide. */
static inline uint64_t key_of(uint64_t i) {
  uint64_t z = i * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline uint32_t bucket_of(uint64_t key) {
  return (uint32_t)((key * 0xff51afd7ed558ccdull) >> 40) & (BUCKETS - 1);
}

static void insert(table* t, node* n, uint64_t key, uint64_t value) {
  uint32_t b = bucket_of(key);
  n->key = key, n->value = value, n->next = t->buckets[b];
  t->buckets[b] = n;
}

/* Unlinks the node of key, which must be present. */
static void remove_key(table* t, uint64_t key) {
  node** link = &t->buckets[bucket_of(key)];
  while ((*link)->key != key)
    link = &(*link)->next;
  *link = (*link)->next;
}

static inline const node* find(const table* t, uint64_t key) {
  const node* n = t->buckets[bucket_of(key)];
  while (n && n->key != key)
    n = n->next;
  return n;
}

typedef struct {
  uint64_t hits;
  uint64_t sum;
} lookup_result;

/* Looks up key(order[i]) for every i; even indices are present, odd absent. */
BENCH_NOINLINE static lookup_result lookups(const table* t, const uint32_t* order, uint32_t n) {
  lookup_result r = {0, 0};
  for (uint32_t i = 0; i < n; i++) {
    const node* found = find(t, key_of(order[i]));
    if (found) {
      r.hits++;
      r.sum += found->value;
    }
  }
  return r;
}

/* Moves the entries of a slice of present keys to the front of their chains. */
BENCH_NOINLINE static void churn(table* t, uint32_t first) {
  for (uint32_t k = 0; k < CHURN; k++) {
    uint32_t e = (first + k) % ENTRIES;
    uint64_t key = key_of(2ull * e);
    remove_key(t, key);
    insert(t, &t->nodes[e], key, t->nodes[e].value);
  }
}

static uint64_t value_of(uint32_t e) {
  return (uint64_t)e * 2654435761u + 1;
}

int main(void) {
  table t = {calloc(BUCKETS, sizeof(node*)), malloc(ENTRIES * sizeof(node))};
  uint32_t* order = malloc(2 * ENTRIES * sizeof *order);
  if (!t.buckets || !t.nodes || !order) {
    fputs("hashtable: out of memory\n", stderr);
    return 1;
  }
  uint64_t expected_sum = 0;
  for (uint32_t e = 0; e < ENTRIES; e++) {
    insert(&t, &t.nodes[e], key_of(2ull * e), value_of(e));
    expected_sum += value_of(e);
  }
  /* Entry e's key is key(2e); i = 2e + 1 is absent. A Fisher-Yates shuffle scrambles the order. */
  uint64_t state = 3;
  for (uint32_t i = 0; i < 2 * ENTRIES; i++)
    order[i] = i;
  for (uint32_t i = 2 * ENTRIES - 1; i > 0; i--) {
    uint32_t j = (uint32_t)(bench_splitmix64(&state) % (i + 1));
    uint32_t swap = order[i];
    order[i] = order[j], order[j] = swap;
  }
  lookup_result first = lookups(&t, order, 2 * ENTRIES);
  if (first.hits != ENTRIES || first.sum != expected_sum) {
    fprintf(stderr, "hashtable: found %llu of %u keys, value sum %llx, not %llx\n", (unsigned long long)first.hits,
            ENTRIES, (unsigned long long)first.sum, (unsigned long long)expected_sum);
    return 1;
  }
  uint64_t rounds = bench_scaled(BASE_ROUNDS);
  bench_time start = bench_now();
  lookup_result total = {0, 0};
  for (uint64_t r = 0; r < rounds; r++) {
    churn(&t, (uint32_t)(r * CHURN));
    lookup_result round = lookups(&t, order, 2 * ENTRIES);
    total.hits += round.hits;
    total.sum += round.sum;
  }
  if (total.hits != rounds * ENTRIES || total.sum != rounds * expected_sum) {
    fputs("hashtable: the table lost entries while it was measured\n", stderr);
    return 1;
  }
  char check[40];
  snprintf(check, sizeof check, "%llx-%016llx", (unsigned long long)total.hits, (unsigned long long)total.sum);
  bench_report("hashtable", start, check);
  return 0;
}
