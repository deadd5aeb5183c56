using System.Diagnostics.CodeAnalysis;

namespace Cpns.Server.Domain;

/// <summary>Formats and parses the <c>gatewayId:pneId</c> member id used in the REST API.</summary>
internal static class MemberKey
{
    public static string Format(string gatewayId, string pneId) => gatewayId + ":" + pneId;

    public static bool TryParse(string value, [NotNullWhen(true)] out string? gatewayId, [NotNullWhen(true)] out string? pneId)
    {
        gatewayId = null;
        pneId = null;
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon != value.LastIndexOf(':') || colon == value.Length - 1)
        {
            return false;
        }

        var gw = value[..colon];
        var pne = value[(colon + 1)..];
        if (!Identifiers.IsValid(gw) || !Identifiers.IsValid(pne))
        {
            return false;
        }

        gatewayId = gw;
        pneId = pne;
        return true;
    }
}
