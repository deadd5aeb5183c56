using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Cpns.Server.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Delivery : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "CertificateExpiresAt",
                table: "Gateways",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CertificateSerial",
                table: "Gateways",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "SealedKey",
                table: "Gateways",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "AcknowledgedAt",
                table: "Deliveries",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LastSentAt",
                table: "Deliveries",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastStatus",
                table: "Deliveries",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LeaseExpiresAt",
                table: "Deliveries",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LeaseOwner",
                table: "Deliveries",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "NextAttemptAt",
                table: "Deliveries",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "QueuedAt",
                table: "Deliveries",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.CreateTable(
                name: "Authorities",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    Pem = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Authorities", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DeliveryMessages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    MessageId = table.Column<byte[]>(type: "bytea", maxLength: 16, nullable: false),
                    GroupId = table.Column<Guid>(type: "uuid", nullable: false),
                    Epoch = table.Column<long>(type: "bigint", nullable: false),
                    GatewayId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    SentAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ViaSync = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeliveryMessages", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PneDeliveryReports",
                columns: table => new
                {
                    GroupId = table.Column<Guid>(type: "uuid", nullable: false),
                    Epoch = table.Column<long>(type: "bigint", nullable: false),
                    GatewayId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    PneId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ReportedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PneDeliveryReports", x => new { x.GroupId, x.Epoch, x.GatewayId, x.PneId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_Status_NextAttemptAt",
                table: "Deliveries",
                columns: new[] { "Status", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_DeliveryMessages_GatewayId_MessageId",
                table: "DeliveryMessages",
                columns: new[] { "GatewayId", "MessageId" });

            migrationBuilder.CreateIndex(
                name: "IX_DeliveryMessages_GroupId_Epoch_GatewayId",
                table: "DeliveryMessages",
                columns: new[] { "GroupId", "Epoch", "GatewayId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Authorities");

            migrationBuilder.DropTable(
                name: "DeliveryMessages");

            migrationBuilder.DropTable(
                name: "PneDeliveryReports");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_Status_NextAttemptAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "CertificateExpiresAt",
                table: "Gateways");

            migrationBuilder.DropColumn(
                name: "CertificateSerial",
                table: "Gateways");

            migrationBuilder.DropColumn(
                name: "SealedKey",
                table: "Gateways");

            migrationBuilder.DropColumn(
                name: "AcknowledgedAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LastSentAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LastStatus",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LeaseExpiresAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LeaseOwner",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "NextAttemptAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "QueuedAt",
                table: "Deliveries");
        }
    }
}
