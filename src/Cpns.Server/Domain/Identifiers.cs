namespace Cpns.Server.Domain;

/// <summary>
/// Gateway, PN and PNE ids: 1 to 128 characters from <c>[A-Za-z0-9._-]</c>. The restriction keeps ids safe in MQTT
/// topic names (no <c>/</c>, <c>+</c>, <c>#</c>) and makes <c>gatewayId:pneId</c> unambiguous.
/// </summary>
internal static class Identifiers
{
    public const int MaxLength = 128;

    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
