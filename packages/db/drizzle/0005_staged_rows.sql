CREATE TABLE "staged_rows" (
	"connection_id" uuid NOT NULL,
	"stream" text NOT NULL,
	"key" text NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "staged_rows_connection_id_stream_key_pk" PRIMARY KEY("connection_id","stream","key")
);
--> statement-breakpoint
ALTER TABLE "staged_rows" ADD CONSTRAINT "staged_rows_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;