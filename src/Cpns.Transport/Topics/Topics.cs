using System.Diagnostics.CodeAnalysis;

namespace Cpns.Transport;

/// <summary>
/// Builds and parses the topic names of docs/architecture.md. Every id segment is checked with
/// <see cref="IsValidId(string?)"/>, so a built topic never holds a wildcard, a separator or an empty level.
/// </summary>
public static class Topics
{
    /// <summary>The longest id segment accepted.</summary>
    public const int MaxIdLength = 128;

    /// <summary>The common prefix of every topic.</summary>
    public const string Root = "cpns/v1";

    /// <summary>The prefix a pairing connection's MQTT client id carries (see <see cref="PairingClientId(string)"/>).</summary>
    public const string PairingClientIdPrefix = "pairing/";

    /// <summary>Subscription filter for every relayed group message: <c>cpns/v1/relay/+/+</c>.</summary>
    public const string RelayAll = Root + "/relay/+/+";

    /// <summary>Subscription filter for every gateway's uplink (the server's): <c>cpns/v1/gw/+/up</c>.</summary>
    public const string GatewayUpAll = Root + "/gw/+/up";

    /// <summary>
    /// True when <paramref name="id"/> is 1 to <see cref="MaxIdLength"/> characters of
    /// <c>[A-Za-z0-9._:-]</c>: safe as a topic level, a certificate CN and an MQTT client id.
    /// </summary>
    /// <param name="id">The candidate id.</param>
    /// <returns>Whether the id is valid.</returns>
    public static bool IsValidId([NotNullWhen(true)] string? id)
    {
        if (id is null || id.Length is 0 or > MaxIdLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!IsIdChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>cpns/v1/gw/{gatewayId}/down</c>.</summary>
    /// <param name="gatewayId">The gateway id (its certificate CN).</param>
    /// <returns>The topic.</returns>
    public static string GatewayDown(string gatewayId) => $"{Root}/gw/{Id(gatewayId)}/down";

    /// <summary><c>cpns/v1/gw/{gatewayId}/up</c>.</summary>
    /// <param name="gatewayId">The gateway id (its certificate CN).</param>
    /// <returns>The topic.</returns>
    public static string GatewayUp(string gatewayId) => $"{Root}/gw/{Id(gatewayId)}/up";

    /// <summary><c>cpns/v1/relay/{groupId}/{gatewayId}</c>.</summary>
    /// <param name="groupId">The Service Group id.</param>
    /// <param name="gatewayId">The publishing gateway's id.</param>
    /// <returns>The topic.</returns>
    public static string Relay(string groupId, string gatewayId) =>
        $"{Root}/relay/{Id(groupId)}/{Id(gatewayId, nameof(gatewayId))}";

    /// <summary>Subscription filter for one group's relayed messages: <c>cpns/v1/relay/{groupId}/+</c>.</summary>
    /// <param name="groupId">The Service Group id.</param>
    /// <returns>The filter.</returns>
    public static string RelayGroup(string groupId) => $"{Root}/relay/{Id(groupId)}/+";

    /// <summary><c>cpns/v1/pn/{pnId}/groups/{groupId}</c> (retained broadcast).</summary>
    /// <param name="pnId">The PN id.</param>
    /// <param name="groupId">The Service Group id.</param>
    /// <returns>The topic.</returns>
    public static string PnGroup(string pnId, string groupId) => $"{Pn(pnId)}/groups/{Id(groupId)}";

    /// <summary>Subscription filter for every group broadcast of a PN: <c>cpns/v1/pn/{pnId}/groups/+</c>.</summary>
    /// <param name="pnId">The PN id.</param>
    /// <returns>The filter.</returns>
    public static string PnGroupsAll(string pnId) => $"{Pn(pnId)}/groups/+";

    /// <summary><c>cpns/v1/pn/{pnId}/pne/{pneId}/down</c>.</summary>
    /// <param name="pnId">The PN id.</param>
    /// <param name="pneId">The PNE id (its certificate CN).</param>
    /// <returns>The topic.</returns>
    public static string PneDown(string pnId, string pneId) => $"{Pn(pnId)}/pne/{Id(pneId)}/down";

    /// <summary><c>cpns/v1/pn/{pnId}/pne/{pneId}/up</c>.</summary>
    /// <param name="pnId">The PN id.</param>
    /// <param name="pneId">The PNE id (its certificate CN).</param>
    /// <returns>The topic.</returns>
    public static string PneUp(string pnId, string pneId) => $"{Pn(pnId)}/pne/{Id(pneId)}/up";

    /// <summary>Subscription filter for every PNE's uplink (the PN GW's): <c>cpns/v1/pn/{pnId}/pne/+/up</c>.</summary>
    /// <param name="pnId">The PN id.</param>
    /// <returns>The filter.</returns>
    public static string PneUpAll(string pnId) => $"{Pn(pnId)}/pne/+/up";

    /// <summary><c>cpns/v1/pn/{pnId}/messages/{groupId}</c>.</summary>
    /// <param name="pnId">The PN id.</param>
    /// <param name="groupId">The Service Group id.</param>
    /// <returns>The topic.</returns>
    public static string PnMessages(string pnId, string groupId) => $"{Pn(pnId)}/messages/{Id(groupId)}";

    /// <summary>Subscription filter for every group message of a PN: <c>cpns/v1/pn/{pnId}/messages/+</c>.</summary>
    /// <param name="pnId">The PN id.</param>
    /// <returns>The filter.</returns>
    public static string PnMessagesAll(string pnId) => $"{Pn(pnId)}/messages/+";

    /// <summary><c>cpns/v1/pn/{pnId}/pairing/{pairingId}/up</c>.</summary>
    /// <param name="pnId">The PN id.</param>
    /// <param name="pairingId">The pairing session id.</param>
    /// <returns>The topic.</returns>
    public static string PairingUp(string pnId, string pairingId) => $"{Pn(pnId)}/pairing/{Id(pairingId)}/up";

    /// <summary><c>cpns/v1/pn/{pnId}/pairing/{pairingId}/down</c>.</summary>
    /// <param name="pnId">The PN id.</param>
    /// <param name="pairingId">The pairing session id.</param>
    /// <returns>The topic.</returns>
    public static string PairingDown(string pnId, string pairingId) => $"{Pn(pnId)}/pairing/{Id(pairingId)}/down";

    /// <summary>Subscription filter for every pairing uplink of a PN: <c>cpns/v1/pn/{pnId}/pairing/+/up</c>.</summary>
    /// <param name="pnId">The PN id.</param>
    /// <returns>The filter.</returns>
    public static string PairingUpAll(string pnId) => $"{Pn(pnId)}/pairing/+/up";

    /// <summary>
    /// The MQTT client id a pairing connection must use: <c>pairing/{pairingId}</c>. The <c>/</c> can never
    /// occur in a certificate identity, so an unauthenticated pairing client can never take over the
    /// session of a PNE or gateway.
    /// </summary>
    /// <param name="pairingId">The pairing session id.</param>
    /// <returns>The client id.</returns>
    public static string PairingClientId(string pairingId) => PairingClientIdPrefix + Id(pairingId);

    /// <summary>Takes a topic name apart; false for anything that is not one of the topics above.</summary>
    /// <param name="topic">The topic name (not a filter).</param>
    /// <param name="parsed">The kind and ids.</param>
    /// <returns>Whether the topic is one of the project's topics with valid ids.</returns>
    public static bool TryParse(string? topic, out ParsedTopic parsed)
    {
        parsed = default;
        if (topic is null || !topic.StartsWith(Root + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var s = topic[(Root.Length + 1)..].Split('/');
        foreach (var level in s)
        {
            // Every variable level is an id; the fixed ones are ids too, so one check covers both.
            if (!IsValidId(level))
            {
                return false;
            }
        }

        ParsedTopic? result = s switch
        {
            ["gw", var gw, "down"] => new(TopicKind.GatewayDown, GatewayId: gw),
            ["gw", var gw, "up"] => new(TopicKind.GatewayUp, GatewayId: gw),
            ["relay", var group, var gw] => new(TopicKind.Relay, GatewayId: gw, GroupId: group),
            ["pn", var pn, "groups", var group] => new(TopicKind.PnGroup, PnId: pn, GroupId: group),
            ["pn", var pn, "pne", var pne, "down"] => new(TopicKind.PneDown, PnId: pn, PneId: pne),
            ["pn", var pn, "pne", var pne, "up"] => new(TopicKind.PneUp, PnId: pn, PneId: pne),
            ["pn", var pn, "messages", var group] => new(TopicKind.PnMessages, PnId: pn, GroupId: group),
            ["pn", var pn, "pairing", var pairing, "up"] => new(TopicKind.PairingUp, PnId: pn, PairingId: pairing),
            ["pn", var pn, "pairing", var pairing, "down"] => new(TopicKind.PairingDown, PnId: pn, PairingId: pairing),
            _ => null,
        };

        if (result is null)
        {
            return false;
        }

        parsed = result.Value;
        return true;
    }

    internal static bool IsIdChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or ':' or '-';

    internal static string Id(string id, string paramName = "id")
    {
        if (!IsValidId(id))
        {
            TransportThrow.InvalidId(paramName, id);
        }

        return id;
    }

    private static string Pn(string pnId) => $"{Root}/pn/{Id(pnId, nameof(pnId))}";
}
