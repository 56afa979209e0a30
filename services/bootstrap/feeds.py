"""The follower and the agencies' Kafka feeds wired: the publisher, a consumer of one agency's topic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateways.embedded_postgres import PostgresLocation
from gateways.follower_lock import FollowerLock
from gateways.pg_notifications import EventNotifications
from services.application import CaseApplication
from services.settings import ConfigurationError, Settings
from services.feed_publisher import FeedPublisher
from services.follower import Follower
from services.kafka_settings import feed_topic, kafka_options
from services.view_runner import ViewRunner
from services.bootstrap import build_view_runner
from services.bootstrap.audit import build_ledger

if TYPE_CHECKING:   # imported where built: FastAPI and kafka-python take ~0.4 s, which every command and every
    from gateways.kafka_consumer import KafkaFeedConsumer   # worker of a views' build paid at its start


def build_feed_publisher(app: CaseApplication, settings: Settings, location: PostgresLocation,
                         runner: ViewRunner | None = None) -> FeedPublisher | None:
    """The Kafka publisher of every agency's feed; None when no Kafka is configured (the HTTP feed still works)."""
    if not settings.kafka_bootstrap_servers:
        return None
    from gateways.kafka_publisher import KafkaMessageSink   # noqa: PLC0415 - see the imports
    sink = KafkaMessageSink(settings.kafka_bootstrap_servers, kafka_options(settings),
                            partitions=settings.kafka_topic_partitions)
    store = (runner or build_view_runner(app, settings, location)).store
    return FeedPublisher(store, sink, app.catalogue.agencies, prefix=settings.kafka_topic_prefix,
                         batch_size=settings.kafka_publish_batch, now=app.clock.now)


def build_feed_consumer(settings: Settings, agency: str, *, group: str, from_beginning: bool,
                        municipality: str | None) -> KafkaFeedConsumer:
    """A consumer of one agency's topic in one municipality; needs no database."""
    if not settings.kafka_bootstrap_servers:
        raise ConfigurationError("SIGILL_KAFKA_BOOTSTRAP_SERVERS is not set: there is no Kafka to consume from")
    from gateways.kafka_consumer import KafkaFeedConsumer   # noqa: PLC0415 - see the imports
    return KafkaFeedConsumer(settings.kafka_bootstrap_servers, kafka_options(settings),
                             feed_topic(settings, agency, municipality), group=group, from_beginning=from_beginning)


def build_follower(app: CaseApplication, settings: Settings, location: PostgresLocation) -> Follower:
    """Views, ledger seals, calendar and erasure notices — and, when Kafka is configured, the feeds' publication."""
    runner = build_view_runner(app, settings, location)
    notifications = EventNotifications(location.conninfo(), app.recorder.channel_name)  # type: ignore[attr-defined]
    return Follower(runner, build_ledger(app, settings, location),
                    publisher=build_feed_publisher(app, settings, location, runner),
                    listen=notifications.run, erasures=runner.store.record_erasures,  # type: ignore[attr-defined]
                    lock=FollowerLock(location.conninfo(), settings.db_schema or "public"))
