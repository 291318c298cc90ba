/**
 * ISO 3166-1 country table: alpha-2 codes, alpha-3 codes and English names (from `Intl.DisplayNames`),
 * built once at module load. Meta wants `country` as a lowercase ISO 3166-1 alpha-2 code [M-CIP].
 */

// alpha-2 + alpha-3 pairs of every officially assigned ISO 3166-1 code.
const ISO =
  'ADAND AEARE AFAFG AGATG AIAIA ALALB AMARM AOAGO AQATA ARARG ASASM ATAUT AUAUS AWABW AXALA AZAZE ' +
  'BABIH BBBRB BDBGD BEBEL BFBFA BGBGR BHBHR BIBDI BJBEN BLBLM BMBMU BNBRN BOBOL BQBES BRBRA BSBHS ' +
  'BTBTN BVBVT BWBWA BYBLR BZBLZ CACAN CCCCK CDCOD CFCAF CGCOG CHCHE CICIV CKCOK CLCHL CMCMR CNCHN ' +
  'COCOL CRCRI CUCUB CVCPV CWCUW CXCXR CYCYP CZCZE DEDEU DJDJI DKDNK DMDMA DODOM DZDZA ECECU EEEST ' +
  'EGEGY EHESH ERERI ESESP ETETH FIFIN FJFJI FKFLK FMFSM FOFRO FRFRA GAGAB GBGBR GDGRD GEGEO GFGUF ' +
  'GGGGY GHGHA GIGIB GLGRL GMGMB GNGIN GPGLP GQGNQ GRGRC GSSGS GTGTM GUGUM GWGNB GYGUY HKHKG HMHMD ' +
  'HNHND HRHRV HTHTI HUHUN IDIDN IEIRL ILISR IMIMN ININD IOIOT IQIRQ IRIRN ISISL ITITA JEJEY JMJAM ' +
  'JOJOR JPJPN KEKEN KGKGZ KHKHM KIKIR KMCOM KNKNA KPPRK KRKOR KWKWT KYCYM KZKAZ LALAO LBLBN LCLCA ' +
  'LILIE LKLKA LRLBR LSLSO LTLTU LULUX LVLVA LYLBY MAMAR MCMCO MDMDA MEMNE MFMAF MGMDG MHMHL MKMKD ' +
  'MLMLI MMMMR MNMNG MOMAC MPMNP MQMTQ MRMRT MSMSR MTMLT MUMUS MVMDV MWMWI MXMEX MYMYS MZMOZ NANAM ' +
  'NCNCL NENER NFNFK NGNGA NINIC NLNLD NONOR NPNPL NRNRU NUNIU NZNZL OMOMN PAPAN PEPER PFPYF PGPNG ' +
  'PHPHL PKPAK PLPOL PMSPM PNPCN PRPRI PSPSE PTPRT PWPLW PYPRY QAQAT REREU ROROU RSSRB RURUS RWRWA ' +
  'SASAU SBSLB SCSYC SDSDN SESWE SGSGP SHSHN SISVN SJSJM SKSVK SLSLE SMSMR SNSEN SOSOM SRSUR SSSSD ' +
  'STSTP SVSLV SXSXM SYSYR SZSWZ TCTCA TDTCD TFATF TGTGO THTHA TJTJK TKTKL TLTLS TMTKM TNTUN TOTON ' +
  'TRTUR TTTTO TVTUV TWTWN TZTZA UAUKR UGUGA UMUMI USUSA UYURY UZUZB VAVAT VCVCT VEVEN VGVGB VIVIR ' +
  'VNVNM VUVUT WFWLF WSWSM YEYEM YTMYT ZAZAF ZMZMB ZWZWE';

// Common names Intl does not give in English (aliases seen in store data).
const ALIASES: Record<string, string> = {
  usa: 'us', unitedstatesofamerica: 'us', america: 'us', uk: 'gb', greatbritain: 'gb', england: 'gb',
  scotland: 'gb', wales: 'gb', northernireland: 'gb', britain: 'gb', holland: 'nl', russianfederation: 'ru',
  southkorea: 'kr', korea: 'kr', northkorea: 'kp', czechrepublic: 'cz', ivorycoast: 'ci', turkey: 'tr',
  vietnam: 'vn', laos: 'la', iran: 'ir', syria: 'sy', bolivia: 'bo', venezuela: 've', tanzania: 'tz',
  moldova: 'md', macedonia: 'mk', swaziland: 'sz', burma: 'mm', capeverde: 'cv', vaticancity: 'va',
  deutschland: 'de', espana: 'es', brasil: 'br', mexique: 'mx', suisse: 'ch', schweiz: 'ch',
  osterreich: 'at', italia: 'it', nederland: 'nl', belgique: 'be', belgie: 'be', polska: 'pl',
};

/** Lowercase alpha-2 codes that ISO 3166-1 assigns. */
export const ALPHA2 = new Set<string>();
/** Key (lowercase, a-z only) → lowercase alpha-2: alpha-3 codes, English names and aliases. */
export const COUNTRY_LOOKUP = new Map<string, string>();

/** Folds accents and drops everything but a-z, lowercase (the lookup key for names). */
export function foldKey(s: string): string {
  return (ASCII_RE.test(s) ? s : s.normalize('NFD')).toLowerCase().replace(FOLD_RE, '');
}
const ASCII_RE = /^[\x00-\x7f]*$/;
const FOLD_RE = /[^a-z]+/g;

(function build() {
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  } catch {
    names = null; // small-ICU builds: codes and aliases still work
  }
  for (const pair of ISO.split(' ')) {
    const a2 = pair.slice(0, 2).toLowerCase();
    const a3 = pair.slice(2).toLowerCase();
    ALPHA2.add(a2);
    COUNTRY_LOOKUP.set(a3, a2);
    const name = names?.of(a2.toUpperCase());
    if (name) COUNTRY_LOOKUP.set(foldKey(name), a2);
  }
  for (const [k, v] of Object.entries(ALIASES)) COUNTRY_LOOKUP.set(k, v);
})();
