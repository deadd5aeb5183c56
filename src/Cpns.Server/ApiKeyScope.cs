namespace Cpns.Server;

/// <summary>What an API key may manage.</summary>
public enum ApiKeyScope
{
    /// <summary>Every Service Group, gateway enrollment and inventory operation.</summary>
    Operator,

    /// <summary>Only the Service Groups created with this key's application name.</summary>
    Application,
}
