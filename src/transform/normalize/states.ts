/**
 * US states / territories and Canadian provinces: names and AP-style abbreviations → 2-letter codes.
 * Meta: "Use the 2-character ANSI abbreviation code in lowercase" [M-CIP]; Meta's Parameter Builder maps
 * US and Canadian names the same way [PB piiUtil].
 */

const NAMES =
  'alabama:al alaska:ak arizona:az arkansas:ar california:ca colorado:co connecticut:ct delaware:de ' +
  'districtofcolumbia:dc washingtondc:dc florida:fl georgia:ga hawaii:hi idaho:id illinois:il indiana:in ' +
  'iowa:ia kansas:ks kentucky:ky louisiana:la maine:me maryland:md massachusetts:ma michigan:mi ' +
  'minnesota:mn mississippi:ms missouri:mo montana:mt nebraska:ne nevada:nv newhampshire:nh newjersey:nj ' +
  'newmexico:nm newyork:ny northcarolina:nc northdakota:nd ohio:oh oklahoma:ok oregon:or pennsylvania:pa ' +
  'rhodeisland:ri southcarolina:sc southdakota:sd tennessee:tn texas:tx utah:ut vermont:vt virginia:va ' +
  'washington:wa westvirginia:wv wisconsin:wi wyoming:wy puertorico:pr guam:gu americansamoa:as ' +
  'virginislands:vi usvirginislands:vi northernmarianaislands:mp ' +
  // Canadian provinces and territories
  'alberta:ab britishcolumbia:bc manitoba:mb newbrunswick:nb newfoundlandandlabrador:nl newfoundland:nl ' +
  'novascotia:ns ontario:on princeedwardisland:pe quebec:qc saskatchewan:sk northwestterritories:nt ' +
  'nunavut:nu yukon:yt ' +
  // AP-style abbreviations (after punctuation removal), e.g. "Tex." → tx, "Calif." → ca
  'ala:al ariz:az ark:ar calif:ca cal:ca colo:co conn:ct del:de fla:fl ill:il ind:in kan:ks kans:ks ' +
  'mass:ma mich:mi minn:mn miss:ms mont:mt neb:ne nebr:ne nev:nv okla:ok ore:or oreg:or penn:pa ' +
  'tenn:tn tex:tx wash:wa wva:wv wis:wi wisc:wi wyo:wy alta:ab que:qc sask:sk';

/** Folded name (a-z only) → lowercase 2-letter code. */
export const STATE_LOOKUP: ReadonlyMap<string, string> = new Map(
  NAMES.split(' ').map((p) => p.split(':') as [string, string]),
);
