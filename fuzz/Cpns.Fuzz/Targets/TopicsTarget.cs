using System.Text;
using Cpns.Transport;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// <see cref="Topics.TryParse"/>, run by the server, the gateway and every PNE on every topic a message arrives on:
/// never throws, and a parsed topic is exactly the one the builder of its kind makes from the parsed ids.
/// </summary>
internal sealed class TopicsTarget : FuzzTarget
{
    public override string Name => "topics";

    public override string Description => "Topics.TryParse (no exception; a parsed topic rebuilds to itself)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var topic = Encoding.UTF8.GetString(input);
        if (!Topics.TryParse(topic, out var parsed))
        {
            return;
        }

        var rebuilt = parsed.Kind switch
        {
            TopicKind.GatewayDown => Topics.GatewayDown(parsed.GatewayId!),
            TopicKind.GatewayUp => Topics.GatewayUp(parsed.GatewayId!),
            TopicKind.Relay => Topics.Relay(parsed.GroupId!, parsed.GatewayId!),
            TopicKind.PnGroup => Topics.PnGroup(parsed.PnId!, parsed.GroupId!),
            TopicKind.PneDown => Topics.PneDown(parsed.PnId!, parsed.PneId!),
            TopicKind.PneUp => Topics.PneUp(parsed.PnId!, parsed.PneId!),
            TopicKind.PnMessages => Topics.PnMessages(parsed.PnId!, parsed.GroupId!),
            TopicKind.PairingUp => Topics.PairingUp(parsed.PnId!, parsed.PairingId!),
            TopicKind.PairingDown => Topics.PairingDown(parsed.PnId!, parsed.PairingId!),
            _ => null,
        };
        Check(string.Equals(rebuilt, topic, StringComparison.Ordinal), "a parsed topic rebuilds to itself");
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        string[] topics =
        [
            Topics.GatewayDown("gw-a"), Topics.GatewayUp("gw-a"), Topics.Relay("group-1", "gw-a"), Topics.PnGroup("pn-a", "group-1"),
            Topics.PneDown("pn-a", "pne-a1"), Topics.PneUp("pn-a", "pne-a1"), Topics.PnMessages("pn-a", "group-1"),
            Topics.PairingUp("pn-a", "0011aabb"), Topics.PairingDown("pn-a", "0011aabb"),
        ];
        foreach (var topic in topics)
        {
            yield return new("valid-" + topic.Replace('/', '_'), Encoding.UTF8.GetBytes(topic));
        }

        yield return new("edge-wildcard", "cpns/v1/pn/+/pne/#"u8.ToArray());
        yield return new("edge-empty-level", "cpns/v1/gw//up"u8.ToArray());
        yield return new("edge-root-only", "cpns/v1/"u8.ToArray());
    }
}
