"""The Redis backend (redis-py, imported only when a store is made): every store on one client;
keys of one family or subject share a cluster hash slot."""

from keyturn.stores.redis.clients import AsyncRedisClientStore, RedisClientStore
from keyturn.stores.redis.revocations import AsyncRedisRevocationStore, RedisRevocationStore
from keyturn.stores.redis.tokens import AsyncRedisStore, RedisStore

__all__ = [
    "AsyncRedisClientStore",
    "AsyncRedisRevocationStore",
    "AsyncRedisStore",
    "RedisClientStore",
    "RedisRevocationStore",
    "RedisStore",
]
