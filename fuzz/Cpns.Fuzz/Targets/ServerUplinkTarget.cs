using System.Text;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Server.Domain;
using Cpns.Transport;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// The parsing the server's UplinkHandler does before it touches the database: the topic
/// (<see cref="Topics.TryParse"/>), the envelope (<see cref="EnvelopeCodec.TryDecode"/>) and, for an inventory report,
/// the id check (<see cref="Identifiers.IsValid"/>) and the timestamp conversion of every registration. None may
/// throw on a validated envelope. Input layout: topic length (1 byte), topic (UTF-8), payload.
/// </summary>
internal sealed class ServerUplinkTarget : FuzzTarget
{
    public override string Name => "server-uplink";

    public override string Description => "the server's uplink parsing: topic, envelope, inventory ids and timestamps (no exception)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var topicLength = Math.Min(input[0], input.Length - 1);
        var topic = Encoding.UTF8.GetString(input.Slice(1, topicLength));
        if (!Topics.TryParse(topic, out var parsed) || parsed.Kind != TopicKind.GatewayUp || parsed.GatewayId is null)
        {
            return;
        }

        if (!EnvelopeCodec.TryDecode(input[(1 + topicLength)..], out var envelope, out var error))
        {
            _ = $"{error.Code} at '{error.Field}': {error.Message}";
            return;
        }

        if (envelope.BodyCase == Envelope.BodyOneofCase.PnInventoryReport)
        {
            var report = envelope.PnInventoryReport;
            if (report.Registered.Select(r => r.PneId).Concat(report.RemovedPneIds).Append(report.PnId).All(Identifiers.IsValid))
            {
                // UplinkHandler.InventoryAsync converts every registration time; the validator promised they convert.
                _ = report.Registered.Select(r => DateTimeOffset.FromUnixTimeMilliseconds(r.RegisteredAtUnixMs).UtcDateTime).ToList();
            }
        }

        _ = envelope.CorrelationId.ToByteArray();
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        var topic = Encoding.UTF8.GetBytes(Topics.GatewayUp("gw-a"));
        foreach (var body in new[]
        {
            Envelope.BodyOneofCase.GroupKeyResponse, Envelope.BodyOneofCase.GroupKeyDeleteResponse, Envelope.BodyOneofCase.GroupKeyDeliveryReport,
            Envelope.BodyOneofCase.SyncRequest, Envelope.BodyOneofCase.PnInventoryReport,
        })
        {
            yield return new($"valid-{body}", [(byte)topic.Length, .. topic, .. Cpns.Protocol.Tests.Samples.Encoded(body)]);
        }

        var down = Encoding.UTF8.GetBytes(Topics.GatewayDown("gw-a"));
        yield return new("edge-down-topic", [(byte)down.Length, .. down, .. Cpns.Protocol.Tests.Samples.Encoded(Envelope.BodyOneofCase.SyncRequest)]);
    }
}
