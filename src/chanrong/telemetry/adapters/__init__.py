"""Ways telemetry and business data arrive: MQTT, OPC UA, Sparkplug B, files."""
