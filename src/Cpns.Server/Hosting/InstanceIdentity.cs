using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Cpns.Server.Hosting;

/// <summary>This instance's name in rotation leases: configured, or the machine name plus a random suffix.</summary>
internal sealed class InstanceIdentity(IOptions<ServerOptions> options)
{
    public string Name { get; } = options.Value.InstanceName
        ?? $"{Environment.MachineName}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}
