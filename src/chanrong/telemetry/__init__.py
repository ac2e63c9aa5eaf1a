"""Telemetry: devices and metrics, ingestion (MQTT, OPC UA, HTTP, files), the Parquet store,
business records and data quality. Other domains call ``chanrong.telemetry.service``."""
