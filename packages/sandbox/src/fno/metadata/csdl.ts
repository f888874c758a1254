import type { EntityDef, EnumDef, PropertyDef } from './types';
import { NAMESPACE } from './types';

const CORE = 'Microsoft.Dynamics.OData.Core.V1';

/**
 * `$metadata`: CSDL (EDMX 4.0) for the served entity sets and the enum types they use, with the
 * F&O annotations `IsRequired` and `AllowEdit` where they apply. Decimals carry no Precision/Scale
 * and strings no MaxLength, as in the real metadata. The container name `Resources` is UNCONFIRMED.
 */
export function buildCsdl(entities: readonly EntityDef[]): string {
  const enums = new Map<string, EnumDef>();
  for (const entity of entities) {
    for (const property of entity.properties) {
      if (property.enumType) enums.set(property.enumType.name, property.enumType);
    }
  }
  const lines: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '<edmx:DataServices>',
    `<Schema Namespace="${NAMESPACE}" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
  ];
  for (const entity of entities) lines.push(...entityType(entity));
  for (const enumDef of [...enums.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    lines.push(`<EnumType Name="${enumDef.name}">`);
    for (const member of enumDef.members)
      lines.push(`<Member Name="${member.name}" Value="${member.value}"/>`);
    lines.push('</EnumType>');
  }
  lines.push('<EntityContainer Name="Resources">');
  for (const entity of entities) {
    if (entity.navigations.length === 0) {
      lines.push(`<EntitySet Name="${entity.entitySet}" EntityType="${NAMESPACE}.${entity.typeName}"/>`);
      continue;
    }
    lines.push(`<EntitySet Name="${entity.entitySet}" EntityType="${NAMESPACE}.${entity.typeName}">`);
    for (const nav of entity.navigations) {
      lines.push(`<NavigationPropertyBinding Path="${nav.name}" Target="${nav.target}"/>`);
    }
    lines.push('</EntitySet>');
  }
  lines.push('</EntityContainer>', '</Schema>', '</edmx:DataServices>', '</edmx:Edmx>');
  return `${lines.join('\n')}\n`;

  function entityType(entity: EntityDef): string[] {
    const out = [`<EntityType Name="${entity.typeName}">`, '<Key>'];
    for (const key of entity.keys) out.push(`<PropertyRef Name="${key}"/>`);
    out.push('</Key>');
    for (const property of entity.properties) out.push(...propertyXml(property));
    for (const nav of entity.navigations) {
      const target = entities.find((candidate) => candidate.entitySet === nav.target);
      if (!target) continue;
      const type = `${NAMESPACE}.${target.typeName}`;
      out.push(
        `<NavigationProperty Name="${nav.name}" Type="${nav.collection ? `Collection(${type})` : type}">`,
      );
      for (const [from, to] of nav.on)
        out.push(`<ReferentialConstraint Property="${from}" ReferencedProperty="${to}"/>`);
      out.push('</NavigationProperty>');
    }
    out.push('</EntityType>');
    return out;
  }
}

function propertyXml(property: PropertyDef): string[] {
  const type = property.enumType ? `${NAMESPACE}.${property.enumType.name}` : `Edm.${property.type}`;
  const nullable = property.nullable ? '' : ' Nullable="false"';
  const annotations: string[] = [];
  if (property.required) annotations.push(`<Annotation Term="${CORE}.IsRequired" Bool="true"/>`);
  if (property.serviceAssigned) annotations.push(`<Annotation Term="${CORE}.AllowEdit" Bool="false"/>`);
  if (annotations.length === 0) return [`<Property Name="${property.name}" Type="${type}"${nullable}/>`];
  return [`<Property Name="${property.name}" Type="${type}"${nullable}>`, ...annotations, '</Property>'];
}
