using System.Diagnostics.Metrics;

namespace Cpns.Transport;

/// <summary>
/// The transport's metrics, on the <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="Name"/>:
/// <c>cpns.transport.broker.connections.refused</c> (tag <c>reason</c>),
/// <c>cpns.transport.broker.operations.refused</c> (tags <c>action</c>, <c>reason</c>),
/// <c>cpns.transport.client.connects</c>, <c>cpns.transport.client.handler.failures</c>.
/// </summary>
public static class TransportMeter
{
    /// <summary>The meter name to listen to (OpenTelemetry <c>AddMeter</c>, <c>dotnet-counters</c>).</summary>
    public const string Name = "Cpns.Transport";

    private static readonly Meter Meter = new(Name, "1.0");

    internal static readonly Counter<long> RefusedConnections = Meter.CreateCounter<long>(
        "cpns.transport.broker.connections.refused", "{connection}", "Connections the broker refused (TLS or MQTT CONNECT).");

    internal static readonly Counter<long> RefusedOperations = Meter.CreateCounter<long>(
        "cpns.transport.broker.operations.refused", "{operation}", "Publishes and subscriptions the ACL refused.");

    internal static readonly Counter<long> ClientConnects = Meter.CreateCounter<long>(
        "cpns.transport.client.connects", "{connect}", "Successful (re)connects of MqttConnection.");

    internal static readonly Counter<long> HandlerFailures = Meter.CreateCounter<long>(
        "cpns.transport.client.handler.failures", "{message}", "Received messages whose handler threw.");

    internal static void ConnectionRefused(string reason) =>
        RefusedConnections.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal static void OperationRefused(TopicAction action, string reason) =>
        RefusedOperations.Add(
            1,
            new KeyValuePair<string, object?>("action", action == TopicAction.Publish ? "publish" : "subscribe"),
            new KeyValuePair<string, object?>("reason", reason));
}
